import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { ORGS, seedOrganizations } from '../../../../test/seed.js';
import { guardRollupsCutoff, HOUR_MS } from '../shared/guard-rollups-sql.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { createD1RetentionStore } from './d1-retention-store.js';
import { DAY_MS, effectiveRetention, parseRetentionOverride } from './policy.js';
import { purgeOrganization, type PurgeBudget } from './purge.js';
import { runRetentionPurge } from './run.js';

const now = TEST_NOW;
const policy = { eventsDays: 10, emailsDays: 30 };
const budget = (queries = 1_000): PurgeBudget => ({ queriesLeft: queries, deadline: Number.POSITIVE_INFINITY });

/**
 * `count` emails of one organisation created `ageDays` before now, each with a recipient (a CC, so
 * that the search row holds it), one event at its creation and its route in the admin database.
 */
async function seedEmails(db: D1Database, organizationId: string, prefix: string, count: number, ageDays: number) {
  const at = now.getTime() - ageDays * DAY_MS;
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    ses: `ses-${prefix}-${i}`,
    at: at + i,
  }));
  const json = JSON.stringify(rows);
  await db.batch([
    db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at, delivered_at)
         SELECT value ->> 'id', 'to@example.com', 'from@example.com', 'Hello ' || (value ->> 'id'), 'delivered',
                value ->> 'ses', value ->> 'at', value ->> 'at', value ->> 'at' FROM json_each(?1)`,
      )
      .bind(json),
    db
      .prepare(
        `INSERT INTO email_recipients (email_id, address, kind, status)
         SELECT value ->> 'id', 'cc-' || (value ->> 'id') || '@example.com', 'cc', 'delivered' FROM json_each(?1)`,
      )
      .bind(json),
    db
      .prepare(
        `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
         SELECT 'sns-' || (value ->> 'id'), value ->> 'id', value ->> 'ses', 'Delivery', value ->> 'at', '{}', value ->> 'at', 't'
         FROM json_each(?1)`,
      )
      .bind(json),
    // A tag (org 0013: deleted by ON DELETE CASCADE) and a reconciliation row (deleted by the purge).
    db
      .prepare(
        `INSERT INTO email_tags (email_id, tag_name, tag_value, email_created_at)
         SELECT value ->> 'id', 'campaign', 'c-' || (value ->> 'id'), value ->> 'at' FROM json_each(?1)`,
      )
      .bind(json),
    db
      .prepare(
        `INSERT INTO email_reconciliation (email_id, first_asked_at, last_asked_at, last_result)
         SELECT value ->> 'id', value ->> 'at', value ->> 'at', 'nothing-yet' FROM json_each(?1)`,
      )
      .bind(json),
  ]);
  await env.ADMIN_DB.prepare(
    `INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at)
     SELECT value ->> 'ses', ?2, value ->> 'id', value ->> 'at' FROM json_each(?1)`,
  )
    .bind(json, organizationId)
    .run();
  return rows;
}

const count = async (db: D1Database, sql: string, ...binds: unknown[]) =>
  (await db
    .prepare(`SELECT count(*) AS n FROM ${sql}`)
    .bind(...binds)
    .first<{ n: number }>())!.n;

beforeAll(seedOrganizations);

describe.each(ORG_DATABASE_KINDS)('purging an organisation on $kind', ({ db, organizationId }) => {
  beforeEach(async () => {
    await db.batch(
      ['email_tags', 'email_reconciliation', 'email_events', 'email_recipients', 'emails'].map((table) =>
        db.prepare(`DELETE FROM ${table}`),
      ),
    );
    await env.ADMIN_DB.batch([
      env.ADMIN_DB.prepare('DELETE FROM email_message_lookup'),
      env.ADMIN_DB.prepare('DELETE FROM parked_email_events'),
    ]);
  });

  it('deletes old emails in bounded slices that resume, with their recipients, events, search rows and routes', async () => {
    await seedEmails(db, organizationId, 'old', 25, 40);
    const fresh = await seedEmails(db, organizationId, 'new', 3, 1);
    const options = { adminDb: env.ADMIN_DB, orgDb: db, organizationId, policy, now, emailSlice: 10 };

    // A budget of the backfill check and one slice (1 + 7 statements): 10 emails, then it stops.
    const first = await purgeOrganization({ ...options, budget: budget(8) });
    expect(first).toMatchObject({ emailsDeleted: 10, caughtUp: false });
    expect(first.queries).toBeLessThanOrEqual(8);
    expect(await count(db, 'emails')).toBe(18);

    const rest = await purgeOrganization({ ...options, budget: budget() });
    expect(rest).toMatchObject({ emailsDeleted: 15, caughtUp: true, keptParked: 0 });
    expect(await count(db, 'emails')).toBe(3);
    expect(await count(db, 'email_recipients')).toBe(3);
    expect(await count(db, 'email_events')).toBe(3);
    expect(await count(db, 'email_search')).toBe(3);
    // The purged emails' tags (ON DELETE CASCADE, which the Durable Object's SQLite enforces too)
    // and reconciliation rows go with them.
    expect(await count(db, 'email_tags')).toBe(3);
    expect(await count(db, "email_tags WHERE email_id LIKE 'old-%'")).toBe(0);
    expect(await count(db, 'email_reconciliation')).toBe(3);
    expect(await count(db, "email_reconciliation WHERE email_id LIKE 'old-%'")).toBe(0);
    expect(await count(db, `email_search WHERE email_search MATCH '"cc-old"'`)).toBe(0);
    expect(await count(env.ADMIN_DB, 'email_message_lookup')).toBe(3);
    expect(await count(env.ADMIN_DB, "email_message_lookup WHERE ses_message_id LIKE 'ses-old-%'")).toBe(0);
    expect((await db.prepare('SELECT id FROM emails ORDER BY id').all()).results.map((r) => r.id)).toEqual(
      fresh.map((r) => r.id),
    );

    // Idempotent: a run with nothing left deletes nothing.
    const again = await purgeOrganization({ ...options, budget: budget() });
    expect(again).toMatchObject({ emailsDeleted: 0, eventsDeleted: 0, caughtUp: true });
    expect(await count(db, 'emails')).toBe(3);
  });

  it('deletes events past the events retention and keeps the email row with its status and times', async () => {
    const [email] = await seedEmails(db, organizationId, 'mid', 1, 20);
    const before = await db.prepare('SELECT status, delivered_at FROM emails WHERE id = ?').bind(email!.id).first();
    const run = await purgeOrganization({
      adminDb: env.ADMIN_DB,
      orgDb: db,
      organizationId,
      policy,
      now,
      budget: budget(),
    });
    expect(run).toMatchObject({ emailsDeleted: 0, eventsDeleted: 1, caughtUp: true });
    expect(await count(db, 'email_events')).toBe(0);
    expect(await db.prepare('SELECT status, delivered_at FROM emails WHERE id = ?').bind(email!.id).first()).toEqual(
      before,
    );
    expect(before).toMatchObject({ status: 'delivered' });
  });

  it('keeps an email whose events are still parked, with its route, until the park is empty', async () => {
    const rows = await seedEmails(db, organizationId, 'parked', 3, 40);
    await env.ADMIN_DB.prepare(
      `INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at) VALUES ('p1', ?, '{}', ?)`,
    )
      .bind(rows[1]!.ses, now.getTime())
      .run();
    const options = { adminDb: env.ADMIN_DB, orgDb: db, organizationId, policy, now };
    const run = await purgeOrganization({ ...options, budget: budget() });
    expect(run).toMatchObject({ emailsDeleted: 2, keptParked: 1 });
    expect((await db.prepare('SELECT id FROM emails').all()).results.map((r) => r.id)).toEqual([rows[1]!.id]);
    expect(await count(env.ADMIN_DB, 'email_message_lookup WHERE ses_message_id = ?', rows[1]!.ses)).toBe(1);

    await env.ADMIN_DB.prepare('DELETE FROM parked_email_events').run();
    expect(await purgeOrganization({ ...options, budget: budget() })).toMatchObject({
      emailsDeleted: 1,
      keptParked: 0,
    });
    expect(await count(env.ADMIN_DB, 'email_message_lookup')).toBe(0);
  });

  it('deletes nothing while the rollups are backfilled, then purges', async () => {
    await seedEmails(db, organizationId, 'backfilled', 2, 40);
    // The marker of org migration 0011 over these emails: the rollup-backfill job has not counted them yet.
    await db.prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) VALUES (1, 1e12, 0)').run();
    const options = { adminDb: env.ADMIN_DB, orgDb: db, organizationId, policy, now };
    expect(await purgeOrganization({ ...options, budget: budget() })).toMatchObject({
      waitingForBackfill: true,
      emailsDeleted: 0,
      eventsDeleted: 0,
      queries: 1,
    });
    expect(await count(db, 'emails')).toBe(2);
    await db.prepare('DELETE FROM email_rollups_backfill').run();
    expect(await purgeOrganization({ ...options, budget: budget() })).toMatchObject({
      waitingForBackfill: false,
      emailsDeleted: 2,
    });
  });

  it("deletes the guard's buckets before its longest window's first day and counts nothing there any more", async () => {
    const cutoff = guardRollupsCutoff(now.getTime());
    const buckets = [cutoff - DAY_MS, cutoff - HOUR_MS, cutoff, now.getTime() - HOUR_MS];
    await db.batch([
      db.prepare('DELETE FROM email_guard_rollups'),
      db.prepare('UPDATE email_guard_rollups_since SET since = 0, hours_since = 0'),
      ...buckets.map((start) =>
        db
          .prepare(`INSERT INTO email_guard_rollups (metric, span, start, count) VALUES ('bounced_latest', ?1, ?2, 1)`)
          .bind(HOUR_MS, start),
      ),
    ]);
    const options = { adminDb: env.ADMIN_DB, orgDb: db, organizationId, policy, now };
    expect(await purgeOrganization({ ...options, budget: budget(), eventSlice: 1 })).toMatchObject({
      guardRollupsDeleted: 2,
      caughtUp: true,
    });
    expect(await count(db, 'email_guard_rollups')).toBe(2);
    expect(await count(db, 'email_guard_rollups_since WHERE since = ?1', cutoff)).toBe(1);
    // A mark sent before it (a late event, a move's copy) is not counted in a bucket.
    await db
      .prepare(
        `INSERT INTO email_reputation_marks (email_id, address, kind, sent_at) VALUES ('late', 'a@example.com', 'bounced', ?1)`,
      )
      .bind(cutoff - 1)
      .run();
    expect(await count(db, 'email_guard_rollups')).toBe(2);
  });

  it('never touches the suppression list', async () => {
    await db
      .prepare(
        `INSERT OR IGNORE INTO email_suppressions (email_address, reason, created_at) VALUES ('gone@example.com', 'bounce', 1)`,
      )
      .run();
    await seedEmails(db, organizationId, 'supp', 2, 400);
    await purgeOrganization({ adminDb: env.ADMIN_DB, orgDb: db, organizationId, policy, now, budget: budget() });
    expect(await count(db, "email_suppressions WHERE email_address = 'gone@example.com'")).toBe(1);
  });
});

describe('the retention-purge run across organisations', () => {
  beforeEach(async () => {
    for (const { db } of ORG_DATABASE_KINDS)
      await db.batch(['email_events', 'email_recipients', 'emails'].map((t) => db.prepare(`DELETE FROM ${t}`)));
    await env.ADMIN_DB.batch(
      ['email_message_lookup', 'parked_email_events', 'organization_retention', 'retention_purge_progress'].map((t) =>
        env.ADMIN_DB.prepare(`DELETE FROM ${t}`),
      ),
    );
  });

  const orgDatabase = async (id: string) => {
    const found = ORG_DATABASE_KINDS.find((k) => k.organizationId === id);
    if (found) return found.db;
    if (id === ORGS.globex) return env.ORG_DB_GLOBEX;
    throw new Error(`no database for ${id}`);
  };

  it('applies each organisation its override, stops at its budget and resumes with the organisations not reached', async () => {
    const [acme, initech] = ORG_DATABASE_KINDS;
    await seedEmails(acme!.db, acme!.organizationId, 'a', 4, 5);
    await seedEmails(initech!.db, initech!.organizationId, 'i', 4, 5);
    const store = createD1RetentionStore(env.ADMIN_DB);
    // Acme keeps 3 days: its 5-day-old emails go; Initech keeps the defaults (30 days).
    expect(
      await store.setOverride(acme!.organizationId, { eventsDays: 2, emailsDays: 3 }, 'admin@example.com', 1),
    ).toBe(true);
    const defaults = { eventsDays: 30, emailsDays: 30 };

    // Room for one organisation only (the list, its progress row and a slice).
    const first = await runRetentionPurge({
      adminDb: env.ADMIN_DB,
      orgDatabase,
      defaults,
      now,
      budget: { queries: 12, milliseconds: 60_000 },
    });
    expect(first.visited).toBe(1);
    expect(first.left).toBe(2);
    expect(first.queries).toBeLessThanOrEqual(12);
    const second = await runRetentionPurge({ adminDb: env.ADMIN_DB, orgDatabase, defaults, now });
    expect(second).toMatchObject({ visited: 3, left: 0, failures: [] });
    expect(first.emailsDeleted + second.emailsDeleted).toBe(4);
    expect(await count(acme!.db, 'emails')).toBe(0);
    expect(await count(initech!.db, 'emails')).toBe(4);
    const progress = await env.ADMIN_DB.prepare(
      'SELECT emails_deleted AS n FROM retention_purge_progress WHERE organization_id = ?',
    )
      .bind(acme!.organizationId)
      .first<{ n: number }>();
    expect(progress!.n).toBe(4);
  });

  it('names an organisation whose database cannot be opened and purges the others', async () => {
    const run = await runRetentionPurge({
      adminDb: env.ADMIN_DB,
      orgDatabase: async (id) => {
        if (id === ORGS.globex) throw new Error('organization org-globex is being moved');
        return orgDatabase(id);
      },
      defaults: { eventsDays: 30, emailsDays: 30 },
      now,
    });
    expect(run.visited).toBe(2);
    expect(run.failures).toEqual(['org-globex: Error: organization org-globex is being moved']);
  });
});

describe('retention settings', () => {
  it('refuses days outside 1 to 3,650 or not whole, naming the field, and writes nothing', async () => {
    const store = createD1RetentionStore(env.ADMIN_DB);
    for (const [input, message] of [
      [{ eventsDays: 0, emailsDays: null }, 'eventsDays: eventsDays must be at least 1 day'],
      [{ eventsDays: null, emailsDays: 3651 }, 'emailsDays: emailsDays must be at most 3650 days'],
      [{ eventsDays: 1.5, emailsDays: null }, 'eventsDays: eventsDays must be a whole number of days'],
      [{ eventsDays: '7', emailsDays: null }, 'eventsDays: eventsDays must be a whole number of days'],
    ] as const) {
      expect(() => parseRetentionOverride(input)).toThrow(message);
      await expect(store.setOverride(ORGS.acme, input, 'x', 1)).rejects.toBeInstanceOf(InvalidOptionsError);
    }
    expect(await store.readOverride(ORGS.acme)).toBeNull();
    expect(await store.setOverride('org-nobody', { eventsDays: 7, emailsDays: 7 }, 'x', 1)).toBe(false);
  });

  it('events may not outlive their emails; null fields take the defaults; both null removes the override', async () => {
    expect(() => effectiveRetention({ eventsDays: 30, emailsDays: 30 }, { eventsDays: 60, emailsDays: null })).toThrow(
      'eventsDays: must not be longer than emailsDays',
    );
    expect(effectiveRetention({ eventsDays: 30, emailsDays: 90 }, { eventsDays: null, emailsDays: 60 })).toEqual({
      eventsDays: 30,
      emailsDays: 60,
    });
    // Shorter emails than the default events: the events follow the emails.
    expect(effectiveRetention({ eventsDays: 45, emailsDays: 45 }, { eventsDays: null, emailsDays: 7 })).toEqual({
      eventsDays: 7,
      emailsDays: 7,
    });
    const store = createD1RetentionStore(env.ADMIN_DB);
    await store.setOverride(ORGS.acme, { eventsDays: 7, emailsDays: 14 }, 'x', 1);
    expect(await store.readOverride(ORGS.acme)).toMatchObject({ eventsDays: 7, emailsDays: 14, updatedBy: 'x' });
    await store.setOverride(ORGS.acme, { eventsDays: null, emailsDays: null }, 'x', 2);
    expect(await store.readOverride(ORGS.acme)).toBeNull();
  });
});
