// Demo data: three organisations (two on D1 bindings, one on its Durable Object) with a few hundred emails across every status and the dashboard
// users. buildDemoSeed plans it (deterministic for a seed and a `now`): what each email is, what
// SES answered, and the SES events that followed (stories.mjs). write-seed.mjs writes the plan
// through the SDK's own sendEmail and queue consumer, so every derived field is what live
// ingestion makes of those events; foldDemoEmail says what that must be.
import { applyEffects, applyEvent, initialTracking, parseSesEvent } from 'kuratchi-sdk/internal/events';
import { buildSesEvent, seededRandom } from 'kuratchi-sdk/email/testing';
import { hashPassword } from '../../apps/dashboard/src/lib/server/auth/password.js';
import { EXAMPLE_DOMAINS, FIRST_NAMES, LAST_NAMES } from '../lib/demo-names.mjs';
import { DEMO_ORGANIZATIONS, DEMO_PASSWORD, DEMO_USERS } from '../lib/demo-organizations.mjs';
import { ONE_OF_THREE_BOUNCES, playStory, STORIES } from './stories.mjs';

const SUBJECTS = {
  transactional: ['Your receipt #{n}', 'Reset your password', 'Your order has shipped', 'Confirm your email address'],
  marketing: [
    'November product update',
    'Black Friday: 30% off annual plans',
    'What’s new in kuratchi',
    'Webinar invite: scaling D1',
  ],
  notification: [
    'New sign-in from Chrome on Linux',
    'Your weekly usage report',
    'Invoice {n} is due',
    'A teammate mentioned you',
  ],
};
const LINKS = ['https://example.com/pricing', 'https://example.com/docs', 'https://example.com/blog/launch'];
/**
 * Emails (by index, in each organisation) with a story of their own: one of three recipients
 * bounces; SES refuses a couple at send time (one more at Globex, so the organisations' sent
 * totals differ); one SES accepted twenty minutes ago and no event has come yet (the end-to-end
 * tests post its events).
 */
const SPECIAL = {
  oneOfThreeBounces: 2,
  refused: { 'org-acme': [4, 9], 'org-globex': [4, 9, 17], 'org-initech': [4, 9] },
  noEventYet: 6,
};
const ACCEPTED = storyNamed('accepted');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The story called `name` in stories.mjs; throws when there is none.
 * @param {string} name
 */
function storyNamed(name) {
  const story = STORIES.find((s) => s.name === name);
  if (!story) throw new Error(`stories.mjs has no story ${JSON.stringify(name)}`);
  return story;
}

/** How many of each organisation's newest emails the live traffic keeps changing. */
export const LIVE_EMAILS_PER_ORGANIZATION = 25;

/**
 * The demo seed: organisations, users (with password hashes), and for each email the
 * `sendEmail` options, SES's answer (`{messageId}`, or `{error}` for a message SES refused) and
 * the SES events that followed, each with the SNS MessageId and Timestamp it arrived with; events
 * after `now` have not happened yet. Also the emails the live demo traffic should keep changing:
 * the {@link LIVE_EMAILS_PER_ORGANIZATION} newest of each organisation that can still change, so
 * every live event lands on the first page of the log (50 rows, newest first) where an admin sees it.
 * @param {{emailsPerOrganization?: number, now?: number, random?: () => number}} [options]
 */
export async function buildDemoSeed({
  emailsPerOrganization = 240,
  now = Date.now(),
  random = seededRandom(20261128),
} = {}) {
  const between = (min, max) => min + Math.floor(random() * (max - min));
  const pick = (items) => items[Math.floor(random() * items.length)];
  const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const totalWeight = STORIES.reduce((sum, story) => sum + story.weight, 0);
  const weighted = () => {
    let roll = random() * totalWeight;
    return STORIES.find((story) => (roll -= story.weight) < 0) ?? STORIES[0];
  };

  const emails = [];
  for (const organization of DEMO_ORGANIZATIONS) {
    const domain = `${organization.id.slice(4)}.example`;
    for (let i = 0; i < emailsPerOrganization; i++) {
      const id = `${organization.id.slice(4)}-${String(i).padStart(4, '0')}`;
      const emailType = pick(Object.keys(SUBJECTS));
      const subject = pick(SUBJECTS[emailType]).replace('{n}', String(1000 + i));
      const refused = SPECIAL.refused[organization.id].includes(i);
      const story =
        i === SPECIAL.oneOfThreeBounces ? ONE_OF_THREE_BOUNCES : i === SPECIAL.noEventYet ? ACCEPTED : weighted();
      const [minAgo, maxAgo] =
        i === SPECIAL.noEventYet
          ? [20 * MINUTE, 30 * MINUTE]
          : refused && i === SPECIAL.refused[organization.id][0]
            ? [HOUR, 3 * HOUR]
            : story === ONE_OF_THREE_BOUNCES
              ? [2 * HOUR, 6 * HOUR]
              : (story.sentAgo ?? [HOUR, 14 * DAY]);
      const createdAt = now - between(minAgo, maxAgo);
      const address = () => `${pick(FIRST_NAMES)}.${pick(LAST_NAMES)}${i}@${pick(EXAMPLE_DOMAINS)}`;
      const to = [address()];
      const cc = [];
      const bcc = [];
      const extra = story === ONE_OF_THREE_BOUNCES ? 2 : random() < 0.15 ? between(1, 4) : 0;
      for (let n = 0; n < extra; n++) {
        let next = address();
        while ([...to, ...cc, ...bcc].includes(next)) next = address();
        const toCc = story === ONE_OF_THREE_BOUNCES ? n === 0 : random() < 0.6;
        (toCc ? cc : bcc).push(next);
      }
      // An identity SES has not verified: SES refuses the message at send time.
      const from = refused ? `newsletter@${domain}` : `hello@${domain}`;
      const sesMessageId = `010001${hex(10)}-${uuid()}-000000`;
      const message = { recipients: [...to, ...cc, ...bcc], sentAt: createdAt };
      const events = refused
        ? []
        : playStory(story, message, random, LINKS)
            .map(({ eventType, at, ...spec }) => ({
              snsMessageId: uuid(),
              snsTimestamp: at + between(250, 2500),
              event: buildSesEvent({
                eventType,
                messageId: sesMessageId,
                time: new Date(at),
                to,
                cc,
                bcc,
                sentAt: new Date(createdAt),
                from,
                subject,
                tags: { 'kuratchi-org-id': [organization.id], 'kuratchi-email-id': [id] },
                ...spec,
              }),
            }))
            .filter((e) => e.snsTimestamp < now - 1000);
      emails.push({
        organizationId: organization.id,
        id,
        createdAt,
        story: refused ? 'refused-by-ses' : story.name,
        send: {
          to,
          ...(cc.length ? { cc } : {}),
          ...(bcc.length ? { bcc } : {}),
          from,
          subject,
          text: `Hello,\n\n${subject}\n\n${LINKS.join('\n')}\n`,
          emailType,
          userId: `user-${1 + (i % 7)}`,
          ...(emailType === 'marketing' ? { metadata: { campaign: 'nov-2026' } } : {}),
        },
        ses: refused
          ? {
              error: {
                name: 'MessageRejected',
                message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${from}`,
              },
            }
          : { messageId: sesMessageId },
        events,
      });
    }
  }
  const users = [];
  for (const user of DEMO_USERS) users.push({ ...user, passwordHash: await hashPassword(DEMO_PASSWORD) });
  return { now, organizations: DEMO_ORGANIZATIONS, users, emails, liveEmails: liveEmailsOf(emails) };
}

/**
 * What the email row of a planned email must be once written: `sendEmail`'s own write (sent at
 * `createdAt`, or failed with SES's error) and then each of its SES events, read as the consumer
 * reads them, folded with the SDK's pure `applyEvent`.
 * @param {{createdAt: number, ses: {messageId?: string, error?: {name: string, message: string}}, events: Array<{event: object}>}} email
 */
export function foldDemoEmail(email) {
  const [status, at] = email.ses.messageId
    ? /** @type {const} */ (['sent', 'sentAt'])
    : /** @type {const} */ (['failed', 'failedAt']);
  const written = applyEffects(initialTracking(), [
    { kind: 'raise-status', status },
    { kind: 'earliest', at, time: email.createdAt },
  ]);
  const tracking = email.events.reduce((row, e) => applyEvent(row, parseSesEvent(JSON.stringify(e.event))), written);
  return { ...tracking, error: email.ses.error ? `${email.ses.error.name}: ${email.ses.error.message}` : null };
}

function liveEmailsOf(emails) {
  const live = [];
  for (const organization of DEMO_ORGANIZATIONS) {
    const candidates = emails
      .filter((e) => e.organizationId === organization.id && e.ses.messageId)
      .map((e) => ({ email: e, tracking: foldDemoEmail(e) }))
      .filter(({ tracking }) => !['bounced', 'rejected', 'failed', 'complained'].includes(tracking.status))
      .sort((a, b) => b.email.createdAt - a.email.createdAt)
      .slice(0, LIVE_EMAILS_PER_ORGANIZATION);
    live.push(
      ...candidates.map(({ email, tracking }) => ({
        sesMessageId: email.ses.messageId,
        recipient: email.send.to[0],
        stage: tracking.deliveredAt ? 'delivered' : 'sent',
      })),
    );
  }
  return live;
}
