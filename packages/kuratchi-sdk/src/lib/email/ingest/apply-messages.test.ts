import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { distinctEventsArbitrary } from '../../../../test/arbitraries.js';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORGS, d1SinkPorts, insertEmail, seedOrganizations } from '../../../../test/seed.js';
import type { SesEventSource } from '../model.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { applySesEventMessages } from './apply-messages.js';
import { sesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';
import type { SesEvent } from '../ses-events/ses-event.js';
import { unsignedSesEventMessage } from './unsigned-event.js';

/**
 * One SES event counted once whichever way it came: the SNS delivery, SNS delivering it again,
 * another SNS copy of the same event (identity notifications and event publishing on one topic,
 * a redriven copy), a Firehose record, an imported file replayed twice. Any mix of those, in any
 * order, ends in exactly the rows of one delivery of each event, on real D1.
 */
beforeAll(seedOrganizations);

const ports = d1SinkPorts(() => TEST_NOW);
const db = env.ORG_DB_ACME;

/** How one arrival carries its event. */
type Way = 'sns' | 'sns-again' | 'sns-copy' | 'redrive' | 'firehose' | 'import';
const WAYS: readonly Way[] = ['sns', 'sns-again', 'sns-copy', 'redrive', 'firehose', 'import'];

async function arrival(event: SesEvent, index: number, way: Way, ns: string): Promise<SesEventQueueMessage> {
  const record = JSON.stringify(event);
  const notification = (id: string) => ({ MessageId: id, Timestamp: TEST_NOW.toISOString(), Message: record });
  switch (way) {
    case 'sns':
    case 'sns-again':
      return sesEventQueueMessage(notification(`${ns}-sns-${index}`));
    case 'sns-copy':
      return sesEventQueueMessage(notification(`${ns}-copy-${index}-${crypto.randomUUID()}`));
    case 'redrive':
      return sesEventQueueMessage(notification(`${ns}-sns-${index}`), { source: 'redrive' });
    case 'firehose':
    case 'import':
      return unsignedSesEventMessage(record, way, TEST_NOW);
  }
}

/** An email of its own, routed, and its events retargeted at its SES message id. */
async function routedEmail(ns: string, events: readonly SesEvent[]) {
  const sesMessageId = `ses-${ns}`;
  const emailId = await insertEmail(db, { id: ns, sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS.acme, emailId)
    .run();
  return events.map((e) => ({ ...e, mail: { ...e.mail, messageId: sesMessageId } }) as SesEvent);
}

/** Every derived row of an email, as comparable values (ids and write times left out). */
async function state(emailId: string) {
  const email = await db.prepare('SELECT * FROM emails WHERE id = ?').bind(emailId).first<Record<string, unknown>>();
  const { id: _id, ses_message_id: _ses, updated_at: _u, ...tracking } = email!;
  const recipients = await db
    .prepare('SELECT * FROM email_recipients WHERE email_id = ? ORDER BY address')
    .bind(emailId)
    .all<Record<string, unknown>>();
  const events = await db
    .prepare(
      // (Content identities include the SES message id, which differs between the two emails.)
      `SELECT event_type, occurred_at, detail, engagement, engagement_rule, link FROM email_events
       WHERE email_id = ? ORDER BY event_type, occurred_at, detail, link`,
    )
    .bind(emailId)
    .all();
  return {
    tracking,
    recipients: recipients.results.map(({ email_id: _e, ...r }) => r),
    events: events.results,
  };
}

describe('applySesEventMessages: one event, counted once, whichever way it came', () => {
  it('any mix of SNS deliveries, copies, redriven and imported records ends in the rows of one delivery each', async () => {
    await fc.assert(
      fc.asyncProperty(
        distinctEventsArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...WAYS)), { minLength: 1, maxLength: 30 }),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async (distinct, extra, shuffle) => {
          const ns = crypto.randomUUID();
          const once = await routedEmail(`${ns}-once`, distinct);
          const mixed = await routedEmail(`${ns}-mixed`, distinct);

          const reference = await Promise.all(once.map((e, i) => arrival(e, i, 'sns', `${ns}-once`)));
          const { outcomes: once1 } = await applySesEventMessages(ports, reference);
          expect(once1).toEqual(reference.map(() => 'applied'));

          // Each event arrives at least once, by a random way, then the extra copies; shuffled.
          const plan: Array<[number, Way]> = [
            ...mixed.map((_, i): [number, Way] => [i, WAYS[i % WAYS.length]!]),
            ...extra.map(([n, way]): [number, Way] => [n % mixed.length, way]),
          ];
          const random = shuffle[Symbol.iterator]();
          const keyed = plan.map((p) => ({ p, key: random.next().value as number })).sort((a, b) => a.key - b.key);
          const messages = await Promise.all(keyed.map(({ p: [i, way] }) => arrival(mixed[i]!, i, way, `${ns}-mixed`)));
          // In batches of random size, as the queue or an import would bring them.
          const outcomes = [];
          for (let from = 0; from < messages.length; from += 7) {
            outcomes.push(...(await applySesEventMessages(ports, messages.slice(from, from + 7))).outcomes);
          }
          expect(outcomes.filter((o) => o === 'applied')).toHaveLength(distinct.length);
          expect(outcomes.filter((o) => o !== 'applied' && o !== 'duplicate')).toEqual([]);
          expect(await state(`${ns}-mixed`)).toEqual(await state(`${ns}-once`));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('stores how each first copy came, and answers per message in order', async () => {
    const ns = crypto.randomUUID();
    const [open, click] = await routedEmail(ns, [
      buildSesEvent({ eventType: 'Open', messageId: 'x', time: TEST_NOW }),
      buildSesEvent({ eventType: 'Click', messageId: 'x', time: TEST_NOW, link: 'https://example.com/a' }),
    ]);
    const imported = await unsignedSesEventMessage(JSON.stringify(open), 'import', TEST_NOW);
    const first = await applySesEventMessages(ports, [
      imported,
      sesEventQueueMessage(
        { MessageId: `${ns}-click`, Timestamp: TEST_NOW.toISOString(), Message: JSON.stringify(click) },
        { source: 'redrive', archiveKey: `sns/x/${ns}-click.json` },
      ),
      { v: 1, snsMessageId: `${ns}-junk`, snsTimestamp: 0, message: '{"not":"ses"}' },
      imported,
    ]);
    expect(first.outcomes).toEqual(['applied', 'applied', 'unreadable', 'duplicate']);
    expect(first.counts.get('outcome:applied')).toBe(2);
    const rows = await db
      .prepare('SELECT event_type, source, archive_key, sns_message_id FROM email_events WHERE email_id = ? ORDER BY 1')
      .bind(ns)
      .all<{ event_type: string; source: SesEventSource; archive_key: string | null; sns_message_id: string }>();
    expect(rows.results.map((r) => [r.event_type, r.source, r.archive_key])).toEqual([
      ['Click', 'redrive', `sns/x/${ns}-click.json`],
      ['Open', 'import', null],
    ]);
    expect(rows.results[1]!.sns_message_id).toBe(imported.snsMessageId);
    expect(imported.snsMessageId).toMatch(/^content:[A-Za-z0-9_-]{43}$/);
  });
});
