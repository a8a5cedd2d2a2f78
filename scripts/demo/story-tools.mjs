// The tools the demo's stories (stories.mjs) tell their events with: SES's own events (send,
// deliveries) and those of who reads the message (clients.mjs), with realistic timing.
import { ipAddresses, PEOPLE, USER_AGENTS } from './clients.mjs';

/** A second, in ms. */
export const SECOND = 1000;
/** A minute, in ms. */
export const MINUTE = 60 * SECOND;
/** An hour, in ms. */
export const HOUR = 60 * MINUTE;

/**
 * A story's tools: random numbers, the message, and the events it adds (time in epoch ms; the
 * rest is the `buildSesEvent` spec of the event), by who would cause them.
 * @param {{recipients: string[], sentAt: number}} message
 * @param {() => number} random
 * @param {string[]} links the links of the message
 */
export function storyTools(message, random, links) {
  const events = [];
  const between = (min, max) => min + Math.floor(random() * (max - min));
  const pick = (items) => items[Math.floor(random() * items.length)];
  const chance = (p) => random() < p;
  const add = (eventType, at, spec = {}) => {
    events.push({ eventType, at, ...spec });
    return at;
  };
  const ip = ipAddresses(random);
  const person = () => ({ ...pick(Object.values(PEOPLE)), ipAddress: ip.person() });
  const tools = {
    events,
    between,
    pick,
    chance,
    add,
    message,
    send: () => add('Send', message.sentAt + between(40, 400)),
    /** A Delivery event per recipient, a few seconds after sending; returns the last one's time. */
    deliver(recipients = message.recipients, after = message.sentAt) {
      let last = 0;
      for (const recipient of recipients) {
        const at = after + between(1500, 9 * SECOND);
        last = Math.max(last, add('Delivery', at, { recipients: [recipient], processingTimeMillis: at - after }));
      }
      return last;
    },
    privacyProtectionOpen: (at) =>
      add('Open', at, { userAgent: USER_AGENTS.applePrivacyProtection, ipAddress: ip.apple() }),
    imageProxyOpen: (at) => add('Open', at, { userAgent: USER_AGENTS.gmailImageProxy, ipAddress: ip.google() }),
    open: (who, at) => add('Open', at, { userAgent: who.mail, ipAddress: who.ipAddress }),
    click: (who, at, link = pick(links)) =>
      add('Click', at, { userAgent: who.browser, ipAddress: who.ipAddress, link }),
    /** A security gateway following every link (2 to 4) within one second, right after delivery. */
    scan(deliveredAt) {
      const start = deliveredAt + between(800, 6 * SECOND);
      const scanner = { browser: pick(USER_AGENTS.linkScanners), ipAddress: ip.scanner() };
      if (chance(0.5))
        add('Open', start - between(50, 400), { userAgent: scanner.browser, ipAddress: scanner.ipAddress });
      const offsets = links.slice(0, between(2, links.length + 1)).map((link) => [between(0, 950), link]);
      for (const [offset, link] of offsets) tools.click(scanner, start + offset, link);
    },
    person,
    /** The other recipients of a message to several read it too, some of them. */
    othersRead(deliveredAt) {
      for (const _ of message.recipients.slice(1)) {
        if (!chance(0.5)) continue;
        const kind = pick(['apple', 'gmail', 'person']);
        if (kind === 'apple') tools.privacyProtectionOpen(deliveredAt + between(2 * SECOND, 40 * SECOND));
        else if (kind === 'gmail') tools.imageProxyOpen(deliveredAt + between(5 * MINUTE, 8 * HOUR));
        else tools.open(person(), deliveredAt + between(10 * MINUTE, 20 * HOUR));
      }
    },
  };
  return tools;
}

/**
 * A person reads it some minutes or hours later, maybe clicks a link or two, maybe opens it again
 * a day or so later. Returns when they first opened it.
 * @param {ReturnType<typeof storyTools>} t
 * @param {number} deliveredAt
 */
export function personReads(t, deliveredAt, { click = 0.7 } = {}) {
  const reader = t.person();
  const opened = t.open(reader, deliveredAt + t.between(3 * MINUTE, 10 * HOUR));
  if (t.chance(click)) {
    const clicked = t.click(reader, opened + t.between(8 * SECOND, 15 * MINUTE));
    if (t.chance(0.4)) t.click(reader, clicked + t.between(5 * SECOND, 2 * MINUTE));
  }
  if (t.chance(0.3)) t.open(reader, opened + t.between(20 * HOUR, 3 * 24 * HOUR));
  return opened;
}
