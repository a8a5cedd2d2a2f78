import { applyD1Migrations, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { insertEmail, routedInput } from '../../../../test/seed.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createD1EmailQueries } from './d1-email-queries.js';

/** Inserts an email of its own and returns a function that records one event of it. */
async function emailWithEvents(db: D1Database) {
  const emailId = crypto.randomUUID();
  await db
    .prepare(
      `INSERT INTO emails (id, recipient, sender, subject, created_at, updated_at) VALUES (?, 'a@example.com', 's@example.com', 'Hi', 1, 1)`,
    )
    .bind(emailId)
    .run();
  return {
    emailId,
    record: (eventType: string, occurredAt: number, position: number | null = null) => {
      const id = crypto.randomUUID();
      return db
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token, position)
           VALUES (?, ?, 'ses', ?, ?, '{}', ?, 't', ?)`,
        )
        .bind(id, emailId, eventType, occurredAt, occurredAt, position)
        .run()
        .then(() => id);
    },
  };
}

/** Every event after `after`, page by page, running `between` after each page. */
async function readFeed(db: D1Database, after: number, between: () => Promise<void>) {
  const queries = createD1EmailQueries(db);
  const seen: string[] = [];
  let position = after;
  for (let page = 0; page < 100; page++) {
    const result = await queries.eventFeed(position, 3);
    seen.push(...result.events.map((e) => e.snsMessageId));
    if (!result.events.length) return { seen, position };
    expect(result.position).toBeGreaterThan(position);
    position = result.position;
    await between();
  }
  throw new Error('the feed never ended');
}

describe.each(ORG_DATABASE_KINDS)('the event feed on $kind', ({ db, organizationId }) => {
  it('gives each event once, in the order recorded (not by event time), while events keep arriving', async () => {
    const start = await lastPosition(db, 0);
    const { emailId, record } = await emailWithEvents(db);
    const expected = [await record('Delivery', 5_000), await record('Send', 1_000)];
    let added = 0;
    const { seen, position } = await readFeed(db, start, async () => {
      // A writer between pages: events recorded while the client reads.
      if (added++ < 4) expected.push(await record('Open', 10_000 - added));
    });
    expect(seen).toEqual(expected);
    // Resuming from the stored position sees only what came after.
    const later = await record('Click', 20_000);
    expect((await createD1EmailQueries(db).eventFeed(position, 10)).events.map((e) => e.snsMessageId)).toEqual([later]);
    expect((await createD1EmailQueries(db).lastEvents([emailId])).get(emailId)).toEqual({
      eventType: 'Click',
      occurredAt: 20_000,
    });
  });

  it('gives each email its latest event by event time: lastEvents, and a log page asked withLastEvent', async () => {
    const { emailId, record } = await emailWithEvents(db);
    const quiet = await emailWithEvents(db);
    await record('Delivery', 30_000);
    await record('Send', 10_000);
    const queries = createD1EmailQueries(db);
    const last = { eventType: 'Delivery', occurredAt: 30_000 };
    expect([...(await queries.lastEvents([emailId, quiet.emailId]))]).toEqual([[emailId, last]]);
    const page = await queries.listEmails({}, { limit: 500, withLastEvent: true });
    const byId = new Map(page.emails.map((email) => [email.id, email.lastEvent]));
    expect(byId.get(emailId)).toEqual(last);
    expect(byId.get(quiet.emailId)).toBeNull();
    expect((await queries.listEmails({}, { limit: 500 })).emails[0]).not.toHaveProperty('lastEvent');
  });

  it('numbers on from the greatest position left when the sequence row was deleted with the rest', async () => {
    const { record } = await emailWithEvents(db);
    const top = await lastPosition(db, 0);
    await db.prepare('DELETE FROM event_position_sequence').run();
    const next = await record('Send', 1);
    expect((await createD1EmailQueries(db).eventFeed(top, 10)).events.map((e) => [e.snsMessageId, e.position])).toEqual(
      [[next, top + 1]],
    );
  });

  it('never gives a position twice: after the newest events are deleted, the next ones come after them', async () => {
    const { emailId, record } = await emailWithEvents(db);
    await record('Send', 1);
    await record('Delivery', 2);
    const top = await lastPosition(db, 0);
    // One statement deleting both newest events (a purge or a reset reaching them).
    await db.prepare('DELETE FROM email_events WHERE email_id = ?').bind(emailId).run();
    const next = await record('Open', 3);
    // The statement that records an event numbers it too (routing/record-statements.ts).
    const sesMessageId = `ses-feed-${crypto.randomUUID()}`;
    const routed = await insertEmail(db, { sesMessageId });
    const event = buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: new Date(5_000) });
    const input = await routedInput({ organizationId, emailId: routed }, 'sns-feed-recorded', event, 6_000);
    expect(await createD1OrgEmailStore(db).recordEvent(input)).toBe('applied');
    await db.prepare('DELETE FROM email_events WHERE sns_message_id = ?').bind('sns-feed-recorded').run();
    const last = await record('Click', 4);
    const page = await createD1EmailQueries(db).eventFeed(top, 10);
    expect(page.events.map((e) => [e.snsMessageId, e.position])).toEqual([
      [next, top + 1],
      [last, top + 3],
    ]);
  });

  it('keeps a copied event’s position and numbers the next events after it', async () => {
    const { record } = await emailWithEvents(db);
    const top = await lastPosition(db, 0);
    const copied = await record('Send', 1, top + 1000);
    const next = await record('Delivery', 2);
    const page = await createD1EmailQueries(db).eventFeed(top + 999, 10);
    expect(page.events.map((e) => [e.snsMessageId, e.position])).toEqual([
      [copied, top + 1000],
      [next, top + 1001],
    ]);
  });
});

/** The position of the newest event (the feed's end), read through the feed from `from`. */
async function lastPosition(db: D1Database, from: number): Promise<number> {
  let position = from;
  for (;;) {
    const page = await createD1EmailQueries(db).eventFeed(position, 500);
    if (!page.events.length) return position;
    position = page.position;
  }
}

describe('migration 0010_event_positions on a database that already has events', () => {
  it('numbers them in the order received, and the next event after them', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch database of this file
    await applyD1Migrations(
      db,
      env.ORG_MIGRATIONS.filter((migration) => migration.name < '0010'),
    );
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, created_at, updated_at) VALUES ('e', 'a@example.com', 's@example.com', 'Hi', 1, 1)`,
      )
      .run();
    const insert = (id: string, receivedAt: number) =>
      db
        .prepare(
          `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
           VALUES (?, 'e', 'ses', 'Send', 1, '{}', ?, 't')`,
        )
        .bind(id, receivedAt);
    await db.batch([insert('c', 300), insert('a', 200), insert('b', 200)]);
    await applyD1Migrations(db, env.ORG_MIGRATIONS);
    await insert('d', 100).run();
    const page = await createD1EmailQueries(db).eventFeed(0, 10);
    expect(page.events.map((e) => [e.snsMessageId, e.position])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ]);
  });
});
