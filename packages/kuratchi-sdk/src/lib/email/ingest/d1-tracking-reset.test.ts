import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { d1SinkPorts, seedOrganizations } from '../../../../test/seed.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1OutgoingEmailStore } from '../send/d1-outgoing-email-store.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import type { SesEventSource } from '../model.js';
import { applySesEventMessages } from './apply-messages.js';
import { countUnarchivedEvents, UnarchivedEventsError } from './d1-unarchived-events.js';
import { resetTrackingPage } from './d1-tracking-reset.js';
import { sesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';
import { unsignedSesEventMessage } from './unsigned-event.js';

/**
 * The reset of `kuratchi-ses rebuild` and the events the raw archive does not hold, on each kind
 * of organisation database (D1, Durable Object): the events arrive by every path (the SNS paths
 * with and without an archive key, Firehose, import, reconciliation) through the queue
 * consumer's path; the reset refuses to delete the unarchived ones (whole scope on the first page,
 * the page itself after) and changes nothing, unless told to drop them.
 */
const NOW = TEST_NOW;
const ports = d1SinkPorts(() => NOW);

beforeAll(async () => {
  await seedOrganizations();
});

/** An email as `sendEmail` leaves it (sent, routed), created at `at`; its id starts with `prefix`. */
async function sentEmail(db: D1Database, organizationId: string, at: number, prefix = 'reset') {
  const id = `${prefix}-${crypto.randomUUID()}`;
  const sesMessageId = `ses-${id}`;
  const outgoing = createD1OutgoingEmailStore(db);
  await outgoing.insertPending({
    id,
    recipient: 'r@example.com',
    recipients: [{ address: 'r@example.com', kind: 'to' }],
    sender: 's@example.com',
    subject: 'Hello',
    emailType: null,
    userId: null,
    metadata: null,
    createdAt: at,
  });
  await outgoing.markSent(id, sesMessageId, at + 1);
  await createD1AdminStore(env.ADMIN_DB).putMessageRoute(sesMessageId, { organizationId, emailId: id }, at + 1);
  return { id, sesMessageId };
}

/** One SES event of `sesMessageId` as the path `source` hands it to the consumer. */
async function arriving(
  sesMessageId: string,
  eventType: SesEventSpec['eventType'],
  source: SesEventSource,
  archived = false,
): Promise<SesEventQueueMessage> {
  const event = JSON.stringify(
    buildSesEvent({ eventType, messageId: sesMessageId, time: new Date(NOW.getTime() - 60_000) }),
  );
  if (source === 'firehose' || source === 'import' || source === 'reconcile')
    return unsignedSesEventMessage(event, source, NOW);
  const snsMessageId = crypto.randomUUID();
  return sesEventQueueMessage(
    { MessageId: snsMessageId, Timestamp: NOW.toISOString(), Message: event },
    { source, ...(archived ? { archiveKey: `sns/archived/${snsMessageId}.json` } : {}) },
  );
}

async function snapshot(db: D1Database, ids: string[]) {
  const list = JSON.stringify(ids);
  const all = async (sql: string) => (await db.prepare(sql).bind(list).all()).results;
  return {
    emails: await all('SELECT * FROM emails WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id'),
    recipients: await all(
      'SELECT * FROM email_recipients WHERE email_id IN (SELECT value FROM json_each(?)) ORDER BY email_id, address',
    ),
    events: await all(
      'SELECT * FROM email_events WHERE email_id IN (SELECT value FROM json_each(?)) ORDER BY sns_message_id',
    ),
    suppressions: await all(
      'SELECT * FROM email_suppressions WHERE source_email_id IN (SELECT value FROM json_each(?)) ORDER BY email_address',
    ),
  };
}

describe.each(ORG_DATABASE_KINDS)('resetTrackingPage on $kind and unarchived events', ({ db, organizationId }) => {
  it('counts them by source, refuses them (nothing changed), drops them only when told', async () => {
    // Emails of this test only: created after everything else in this database.
    const since = NOW.getTime() + 86_400_000 + Math.floor(Math.random() * 1e6);
    // Pages of one email in id order: the archived-only email first, then the other.
    const archivedOnly = await sentEmail(db, organizationId, since, 'reset-a');
    const mixed = await sentEmail(db, organizationId, since + 1, 'reset-b');
    const messages = [
      await arriving(archivedOnly.sesMessageId, 'Delivery', 'sns', true),
      await arriving(mixed.sesMessageId, 'Send', 'sns'),
      await arriving(mixed.sesMessageId, 'Delivery', 'firehose'),
      await arriving(mixed.sesMessageId, 'Open', 'import'),
      await arriving(mixed.sesMessageId, 'Click', 'reconcile'),
      await arriving(mixed.sesMessageId, 'Complaint', 'redrive', true),
    ];
    const { outcomes } = await applySesEventMessages(ports, messages);
    expect(outcomes).toEqual(messages.map(() => 'applied'));
    const ids = [archivedOnly.id, mixed.id];
    const before = await snapshot(db, ids);
    expect(before.events).toHaveLength(6);
    expect(before.suppressions).toHaveLength(1);

    const counts = { firehose: 1, import: 1, reconcile: 1, 'pre-archive': 1 };
    expect(await countUnarchivedEvents(db, { since })).toEqual(counts);
    expect(await countUnarchivedEvents(db, { ids: [archivedOnly.id] })).toEqual({});

    // The first page (no `after`) checks the whole scope, although its own email is archived only.
    const refusal = await resetTrackingPage(db, { since, limit: 1 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UnarchivedEventsError);
    expect(refusal).toMatchObject({ code: 'unarchived-events', counts });
    expect((refusal as Error).message).toMatch(
      /^a reset would delete 4 event\(s\) the raw archive does not hold \(firehose 1, import 1, reconcile 1, pre-archive 1\)/,
    );
    expect(await snapshot(db, ids)).toEqual(before);

    // A later page checks itself: refused when it holds an unarchived event, nothing changed.
    await expect(resetTrackingPage(db, { since, after: archivedOnly.id, limit: 1 })).rejects.toMatchObject({ counts });
    expect(await snapshot(db, ids)).toEqual(before);

    // Told to drop them: every page resets, every event and the complaint's suppression deleted.
    let after: string | null = null;
    let deleted = 0;
    do {
      const page = await resetTrackingPage(db, { since, after, limit: 1, dropUnarchived: true });
      deleted += page.events;
      after = page.next;
    } while (after);
    const reset = await snapshot(db, ids);
    expect(deleted).toBe(6);
    expect(reset.events).toEqual([]);
    expect(reset.suppressions).toEqual([]);
    expect(reset.emails.map((e) => e.status)).toEqual(['sent', 'sent']);
    expect(await countUnarchivedEvents(db, { since })).toEqual({});
  });

  it('an organisation whose events are all archived resets without being told', async () => {
    const since = NOW.getTime() + 2 * 86_400_000 + Math.floor(Math.random() * 1e6);
    const email = await sentEmail(db, organizationId, since);
    const { outcomes } = await applySesEventMessages(ports, [
      await arriving(email.sesMessageId, 'Delivery', 'sns', true),
      await arriving(email.sesMessageId, 'Open', 'rebuild', true),
    ]);
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(await resetTrackingPage(db, { since })).toEqual({ emails: 1, events: 2, next: null });
    expect((await snapshot(db, [email.id])).events).toEqual([]);
  });
});
