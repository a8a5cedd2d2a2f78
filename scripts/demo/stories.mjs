// What happens to a demo email after SES accepted it: weighted stories of SES events with the
// timing real traffic has (clients.mjs says who opens and clicks): deliveries seconds after the
// send, machine opens and scans right after delivery, people minutes or hours later, bounces,
// delays, complaints, unsubscribes, rejections and rendering failures.
import { PEOPLE } from './clients.mjs';
import { HOUR, MINUTE, personReads, SECOND, storyTools } from './story-tools.mjs';

const BOUNCES = [
  ['General', { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
  [
    'NoEmail',
    { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 The email account that you tried to reach does not exist' },
  ],
  ['General', { status: '5.1.2', diagnosticCode: 'smtp; 550 5.1.2 Host unknown (Domain name not found)' }],
];

/**
 * The stories, weighted. `sentAgo` is how long ago such an email was sent, [min, max] ms, for the
 * stories of emails too recent for anything more to have happened (default: 1 hour to 14 days).
 * `play` adds the events of one message.
 */
export const STORIES = [
  { name: 'accepted', weight: 0.5, sentAgo: [20 * SECOND, 3 * MINUTE], play: () => {} },
  { name: 'in-flight', weight: 1.5, sentAgo: [20 * SECOND, 5 * MINUTE], play: (t) => t.send() },
  {
    name: 'delayed',
    weight: 1.5,
    // SES keeps retrying a delayed delivery for up to about 14 hours.
    sentAgo: [5 * MINUTE, 6 * HOUR],
    play(t) {
      t.send();
      const [first, ...others] = t.message.recipients;
      t.add('DeliveryDelay', t.message.sentAt + t.between(20 * SECOND, 10 * MINUTE), {
        recipients: [first],
        delayType: t.pick(['TransientCommunicationFailure', 'MailboxFull', 'SpamDetected']),
      });
      t.deliver(others);
    },
  },
  {
    name: 'delayed-then-delivered',
    weight: 4,
    play(t) {
      t.send();
      const [first, ...others] = t.message.recipients;
      const delayed = t.add('DeliveryDelay', t.message.sentAt + t.between(30 * SECOND, 10 * MINUTE), {
        recipients: [first],
      });
      const delivered = t.deliver([first], delayed + t.between(15 * MINUTE, 3 * HOUR));
      t.deliver(others);
      if (t.chance(0.5)) personReads(t, delivered);
    },
  },
  {
    name: 'delivered',
    weight: 16,
    play(t) {
      t.send();
      t.othersRead(t.deliver());
    },
  },
  {
    name: 'apple-privacy-protection',
    weight: 11,
    play(t) {
      t.send();
      const delivered = t.deliver();
      t.privacyProtectionOpen(delivered + t.between(1500, 40 * SECOND));
      if (t.chance(0.35)) t.privacyProtectionOpen(delivered + t.between(3 * HOUR, 30 * HOUR));
      if (t.chance(0.25)) t.click({ ...t.person(), ...PEOPLE.iPhone }, delivered + t.between(10 * MINUTE, 6 * HOUR));
      t.othersRead(delivered);
    },
  },
  {
    name: 'gmail-image-proxy',
    weight: 12,
    play(t) {
      t.send();
      const delivered = t.deliver();
      const opened = t.imageProxyOpen(delivered + t.between(5 * MINUTE, 8 * HOUR));
      if (t.chance(0.4)) t.imageProxyOpen(opened + t.between(HOUR, 48 * HOUR));
      if (t.chance(0.35)) t.click(t.person(), opened + t.between(5 * SECOND, 5 * MINUTE));
      t.othersRead(delivered);
    },
  },
  {
    name: 'person-opens-and-clicks',
    weight: 14,
    play(t) {
      t.send();
      const delivered = t.deliver();
      personReads(t, delivered);
      t.othersRead(delivered);
    },
  },
  {
    name: 'link-scanner',
    weight: 7,
    play(t) {
      t.send();
      const delivered = t.deliver();
      t.scan(delivered);
      if (t.chance(0.5)) personReads(t, delivered, { click: 0.5 });
    },
  },
  {
    name: 'bounce-permanent',
    weight: 6,
    play(t) {
      t.send();
      const [first, ...others] = t.message.recipients;
      const [bounceSubType, dsn] = t.pick(BOUNCES);
      t.add('Bounce', t.message.sentAt + t.between(2 * SECOND, 40 * SECOND), {
        recipients: [first],
        bounceType: 'Permanent',
        bounceSubType,
        dsn,
      });
      t.othersRead(t.deliver(others));
    },
  },
  {
    name: 'bounce-transient',
    weight: 2,
    play(t) {
      t.send();
      const [first] = t.message.recipients;
      const full = {
        status: '4.2.2',
        diagnosticCode: 'smtp; 452 4.2.2 The email account that you tried to reach is over quota',
      };
      const delayed = t.add('DeliveryDelay', t.message.sentAt + t.between(MINUTE, 5 * MINUTE), {
        recipients: [first],
        delayType: 'MailboxFull',
        dsn: full,
      });
      // SES gives up on a soft bounce after retrying for hours, then reports it as a bounce.
      t.add('Bounce', delayed + t.between(10 * HOUR, 14 * HOUR), {
        recipients: [first],
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        dsn: full,
      });
      t.deliver(t.message.recipients.slice(1));
    },
  },
  {
    name: 'complaint',
    weight: 2,
    play(t) {
      t.send();
      const opened = personReads(t, t.deliver(), { click: 0 });
      t.add('Complaint', opened + t.between(20 * SECOND, 48 * HOUR), { recipients: [t.message.recipients[0]] });
    },
  },
  {
    name: 'unsubscribe',
    weight: 2,
    play(t) {
      t.send();
      const opened = personReads(t, t.deliver(), { click: 0 });
      t.add('Subscription', opened + t.between(30 * SECOND, 10 * MINUTE));
    },
  },
  {
    name: 'reject',
    weight: 1,
    play(t) {
      t.add('Reject', t.send() + t.between(200, 1500), { rejectReason: 'Bad content' });
    },
  },
  {
    name: 'rendering-failure',
    weight: 1,
    play(t) {
      t.add('Rendering Failure', t.send() + t.between(100, 900));
    },
  },
];

/**
 * Of a message to three: the To address bounces permanently, the CC and BCC addresses are
 * delivered and read (a Gmail reader, then a person who clicks).
 */
export const ONE_OF_THREE_BOUNCES = {
  name: 'one-of-three-bounces',
  weight: 0,
  play(t) {
    t.send();
    const [to, cc, bcc] = t.message.recipients;
    t.add('Bounce', t.message.sentAt + t.between(3 * SECOND, 20 * SECOND), {
      recipients: [to],
      bounceType: 'Permanent',
      bounceSubType: 'General',
      dsn: BOUNCES[0][1],
    });
    const delivered = t.deliver([cc, bcc]);
    t.imageProxyOpen(delivered + t.between(5 * MINUTE, 40 * MINUTE));
    const reader = t.person();
    const opened = t.open(reader, delivered + t.between(45 * MINUTE, 90 * MINUTE));
    t.click(reader, opened + t.between(10 * SECOND, 3 * MINUTE));
  },
};

/**
 * The events of `story` for `message` ({recipients, sentAt}), in time order: their type, time
 * and the rest of their `buildSesEvent` spec.
 * @param {{play: (tools: object) => void}} story
 * @param {{recipients: string[], sentAt: number}} message
 * @param {() => number} random
 * @param {string[]} links the links of the message
 * @returns {Array<{eventType: import('kuratchi-sdk/email/testing').SesEventSpec['eventType'], at: number} & Record<string, unknown>>}
 */
export function playStory(story, message, random, links) {
  const tools = storyTools(message, random, links);
  story.play(tools);
  return tools.events.sort((a, b) => a.at - b.at);
}
