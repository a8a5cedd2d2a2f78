import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { ORGS, seedOrganizations } from '../../../../test/seed.js';
import { readRollupBackfill } from './rollup-backfill.js';
import { ROLLUP_BACKFILL_DONE, runRollupBackfill } from './rollup-backfill-run.js';
import { DAY_MS, rollupDay } from './rollups.js';

// The `rollup-backfill` job across organisations (one on D1, one on a Durable Object): bounded by
// its budget, resuming with the organisations it did not reach, and one query once all are done.

const now = TEST_NOW;
const [acme, initech] = ORG_DATABASE_KINDS as [(typeof ORG_DATABASE_KINDS)[0], (typeof ORG_DATABASE_KINDS)[0]];

const orgDatabase = async (id: string) => {
  const found = ORG_DATABASE_KINDS.find((k) => k.organizationId === id);
  if (found) return found.db;
  if (id === ORGS.globex) return env.ORG_DB_GLOBEX;
  throw new Error(`no database for ${id}`);
};

/** `count` emails sent a day before now that predate the rollups (a marker over them first). */
async function olderEmails(db: D1Database, count: number) {
  const highest = Number(await db.prepare('SELECT coalesce(max(rowid), 0) AS n FROM emails').first('n'));
  await db
    .prepare('INSERT INTO email_rollups_backfill (id, high_water, cursor) VALUES (1, ?, ?)')
    .bind(highest + count, highest)
    .run();
  const at = now.getTime() - DAY_MS;
  for (let i = 0; i < count; i++) {
    const id = crypto.randomUUID();
    await db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
         VALUES (?, 'to@example.com', 'from@example.com', 'Hi', 'sent', ?, ?, ?)`,
      )
      .bind(id, at, at, at)
      .run();
  }
}

const sentYesterday = async (db: D1Database) =>
  Number(
    (await db
      .prepare(`SELECT count FROM email_rollups WHERE day = ? AND metric = 'sent' AND key = ''`)
      .bind(rollupDay(now.getTime() - DAY_MS))
      .first('count')) ?? 0,
  );

beforeAll(seedOrganizations);

describe('the rollup-backfill run across organisations', () => {
  beforeEach(async () => {
    for (const db of [acme.db, initech.db, env.ORG_DB_GLOBEX])
      await db.batch(
        ['email_rollups_backfill', 'email_reputation_marks_backfill', 'emails', 'email_rollups'].map((t) =>
          db.prepare(`DELETE FROM ${t}`),
        ),
      );
    await env.ADMIN_DB.prepare('DELETE FROM rollup_backfill_progress').run();
  });

  it('stops at its budget, resumes with the organisations not reached, then costs one query', async () => {
    await olderEmails(acme.db, 4);
    await olderEmails(initech.db, 3);
    expect(await sentYesterday(acme.db)).toBe(0);

    // Room for one visit of one slice: the list, opening the database (a lookup, kept aside), the
    // marker, a slice of 2 emails, the progress row.
    const first = await runRollupBackfill({
      adminDb: env.ADMIN_DB,
      orgDatabase,
      now,
      slice: 2,
      budget: { queries: 9, milliseconds: 60_000 },
    });
    expect(first).toMatchObject({ visited: 1, done: 0, rowids: 2, left: 2, failures: [] });
    expect(first.queries).toBeLessThanOrEqual(8);
    expect(await readRollupBackfill(acme.db)).toMatchObject({ cursor: expect.any(Number) });
    expect(await sentYesterday(acme.db)).toBe(2);

    // Never-visited organisations first, then Acme where it stopped.
    const second = await runRollupBackfill({ adminDb: env.ADMIN_DB, orgDatabase, now, slice: 2 });
    expect(second).toMatchObject({ visited: 3, done: 3, rowids: 5, left: 0, failures: [] });
    expect(await sentYesterday(acme.db)).toBe(4);
    expect(await sentYesterday(initech.db)).toBe(3);
    expect(await readRollupBackfill(acme.db)).toBeNull();
    expect(await readRollupBackfill(initech.db)).toBeNull();

    // Every organisation done: the list only, nobody visited.
    expect(await runRollupBackfill({ adminDb: env.ADMIN_DB, orgDatabase, now })).toMatchObject({
      visited: 0,
      queries: 1,
    });
  });

  it('visits again an organisation done before org migration 0016, for its reputation marks', async () => {
    await olderEmails(acme.db, 2);
    // Their recipients bounced before 0016: no marks, a marker over them.
    await acme.db.batch([
      acme.db.prepare(
        `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
         SELECT id, 'b-' || id || '@example.com', 'to', 'bounced', sent_at, sent_at + 1, 'Permanent' FROM emails`,
      ),
      acme.db.prepare('DELETE FROM email_reputation_marks'),
      acme.db.prepare(
        'INSERT INTO email_reputation_marks_backfill (id, high_water, cursor) SELECT 1, max(rowid), 0 FROM emails',
      ),
    ]);
    // Done by the job before 0016 (done = 1): visited again, its marks backfilled.
    await env.ADMIN_DB.prepare(
      'INSERT INTO rollup_backfill_progress (organization_id, checked_at, done) VALUES (?, 0, 1)',
    )
      .bind(acme.organizationId)
      .run();
    const run = await runRollupBackfill({ adminDb: env.ADMIN_DB, orgDatabase, now });
    expect(run.failures).toEqual([]);
    expect(await acme.db.prepare('SELECT count(*) AS n FROM email_reputation_marks').first('n')).toBe(2);
    expect(
      await env.ADMIN_DB.prepare('SELECT done FROM rollup_backfill_progress WHERE organization_id = ?')
        .bind(acme.organizationId)
        .first('done'),
    ).toBe(ROLLUP_BACKFILL_DONE);
  });

  it('names an organisation whose database cannot be opened and backfills the others', async () => {
    await olderEmails(initech.db, 2);
    const run = await runRollupBackfill({
      adminDb: env.ADMIN_DB,
      orgDatabase: async (id) => {
        if (id === ORGS.globex) throw new Error('organization org-globex is being moved');
        return orgDatabase(id);
      },
      now,
    });
    expect(run).toMatchObject({ visited: 2, done: 2 });
    expect(run.failures).toEqual(['org-globex: Error: organization org-globex is being moved']);
    expect(await sentYesterday(initech.db)).toBe(2);
    // Not recorded as done: the next run visits it again.
    expect(
      await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM rollup_backfill_progress WHERE done = ?')
        .bind(ROLLUP_BACKFILL_DONE)
        .first('n'),
    ).toBe(2);
  });
});
