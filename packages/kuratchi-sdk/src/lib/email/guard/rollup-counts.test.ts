import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { purgeOrganization } from '../retention/purge.js';
import { backfillRollups } from '../routing/rollup-backfill.js';
import { recipientCountsOf, recipientCountsStatement } from './d1-recipient-counts.js';
import { insertBulkSent } from './fixtures/recipients.js';
import { reputationReport } from './report.js';
import { parseReputationGuardSettings } from './settings.js';
import type { RecipientCounts } from './verdict.js';

// The guard's counts read from the daily rollups and the reputation marks (org migrations 0011,
// 0016) against the raw query it ran before (the oracle, kept only here): random emails around a
// window, addresses mailed several times, permanent, transient and untyped bounces, complaints,
// outcomes that arrive later (an UPDATE) or change, canaries, lifts; on D1 and on a Durable Object.

const DAY = 86_400_000;
const MINUTE = 60_000;

/** The guard's raw query before the rollups: recipients and first bounce / complaint per address. */
async function oracle(
  db: D1Database,
  range: { from: number; countFrom: number; to: number },
): Promise<RecipientCounts> {
  const row = await db
    .prepare(
      `WITH sent AS (
         SELECT r.address, r.sent_at,
                r.bounced_at IS NOT NULL AND coalesce(r.bounce_type, 'Permanent') = 'Permanent' AS bounced,
                r.complained_at IS NOT NULL AS complained
         FROM email_recipients r JOIN emails e ON e.id = r.email_id
         WHERE r.sent_at >= ?1 AND r.sent_at < ?3 AND e.canary = 0
       )
       SELECT (SELECT count(*) FROM sent WHERE sent_at >= ?2) AS recipients,
              (SELECT count(*) FROM (SELECT min(sent_at) AS first FROM sent WHERE bounced GROUP BY address)
                WHERE first >= ?2) AS bounced,
              (SELECT count(*) FROM (SELECT min(sent_at) AS first FROM sent WHERE complained GROUP BY address)
                WHERE first >= ?2) AS complained`,
    )
    .bind(range.from, range.countFrom, range.to)
    .first<RecipientCounts>();
  return recipientCountsOf(row ?? undefined);
}

const counts = async (db: D1Database, range: { from: number; countFrom: number; to: number }) =>
  recipientCountsOf((await recipientCountsStatement(db, range).first<RecipientCounts>()) ?? undefined);

const clear = (db: D1Database) =>
  db.batch(
    ['email_reputation_marks', 'email_guard_rollups', 'email_rollups', 'email_recipients', 'emails'].map((t) =>
      db.prepare(`DELETE FROM ${t}`),
    ),
  );

type Outcome = 'none' | 'permanent' | 'transient' | 'untyped' | 'complained' | 'both';
const recipientArb = fc.record({
  address: fc.integer({ min: 0, max: 7 }),
  outcome: fc.constantFrom<Outcome>('none', 'none', 'permanent', 'transient', 'untyped', 'complained', 'both'),
  // The outcome comes with a later event (an UPDATE), or a permanent bounce is retyped transient.
  late: fc.boolean(),
  retyped: fc.boolean(),
});
const emailArb = (windowDays: number) =>
  fc.record({
    // From two days before the window to a day after now (the last day's edge).
    sentAt: fc.integer({ min: -(windowDays + 2) * DAY, max: DAY }),
    canary: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
    recipients: fc.uniqueArray(recipientArb, { minLength: 1, maxLength: 4, selector: (r) => r.address }),
  });
const caseArb = fc.integer({ min: 1, max: 9 }).chain((windowDays) =>
  fc.record({
    windowDays: fc.constant(windowDays),
    // Now at a random time of day, midnight among them.
    timeOfDay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: DAY - 1 })),
    shortMinutes: fc.oneof(fc.constant(60), fc.integer({ min: 1, max: 1440 })),
    lift: fc.option(fc.integer({ min: -(windowDays + 1) * DAY, max: DAY })),
    emails: fc.array(emailArb(windowDays), { minLength: 1, maxLength: 20 }),
  }),
);

/** Writes a case's emails relative to `now`: inserts, then the late outcomes as UPDATEs. */
interface CaseEmail {
  sentAt: number;
  canary: boolean;
  recipients: Array<{ address: number; outcome: Outcome; late: boolean; retyped: boolean }>;
}
async function write(db: D1Database, now: number, emails: CaseEmail[]): Promise<void> {
  const inserts: D1PreparedStatement[] = [];
  const updates: D1PreparedStatement[] = [];
  emails.forEach((email, i) => {
    const id = `e${i}`;
    const sentAt = now + email.sentAt;
    inserts.push(
      db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at, canary)
           VALUES (?1, 'x@example.com', 'sender@example.com', 'Guard property', 'sent', ?2, ?2, ?2, ?3)`,
        )
        .bind(id, sentAt, email.canary ? 1 : 0),
    );
    for (const r of email.recipients) {
      const bounced =
        r.outcome === 'permanent' || r.outcome === 'transient' || r.outcome === 'untyped' || r.outcome === 'both';
      const type = r.outcome === 'transient' ? 'Transient' : r.outcome === 'untyped' ? null : 'Permanent';
      const complained = r.outcome === 'complained' || r.outcome === 'both';
      const outcome = [
        bounced ? sentAt + MINUTE : null,
        bounced ? type : null,
        complained ? sentAt + 2 * MINUTE : null,
      ];
      inserts.push(
        db
          .prepare(
            `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type, complained_at)
             VALUES (?, ?, 'to', 'sent', ?, ?, ?, ?)`,
          )
          .bind(id, `a${r.address}@example.com`, sentAt, ...(r.late ? [null, null, null] : outcome)),
      );
      const set = (values: unknown[]) =>
        db
          .prepare(
            'UPDATE email_recipients SET bounced_at = ?, bounce_type = ?, complained_at = ? WHERE email_id = ? AND address = ?',
          )
          .bind(...values, id, `a${r.address}@example.com`);
      if (r.late) updates.push(set(outcome));
      if (r.retyped && bounced && type === 'Permanent') updates.push(set([outcome[0], 'Transient', outcome[2]]));
    }
  });
  await db.batch(inserts);
  if (updates.length) await db.batch(updates);
}

/** The ranges the report counts: the window, since a lift, the short window, its part since a lift. */
function ranges(now: number, c: { windowDays: number; shortMinutes: number; lift: number | null }) {
  const from = now - c.windowDays * DAY;
  const shortFrom = now - c.shortMinutes * MINUTE;
  const lift = c.lift === null ? null : now + c.lift;
  const all = [
    { from, countFrom: from, to: now },
    { from: shortFrom, countFrom: shortFrom, to: now },
  ];
  if (lift !== null && lift > from)
    all.push({ from, countFrom: lift, to: now }, { from, countFrom: Math.max(lift, shortFrom), to: now });
  return all;
}

describe.each(ORG_DATABASE_KINDS)("the guard's counts on $kind", ({ kind, db }) => {
  it('equal the raw recount, with lifts and canaries', async () => {
    const base = Math.floor(testTime(1000 * DAY).getTime() / DAY) * DAY;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await clear(db);
        const now = base + c.timeOfDay;
        await write(db, now, c.emails);
        for (const range of ranges(now, c))
          expect(await counts(db, range), JSON.stringify(range)).toEqual(await oracle(db, range));
      }),
      { numRuns: kind === 'd1' ? 60 : 20 },
    );
  });

  it('equal it while the marks of the emails already there are backfilled, and after', async () => {
    const now = testTime(1100 * DAY).getTime();
    await clear(db);
    await write(
      db,
      now,
      Array.from({ length: 30 }, (_, i) => ({
        sentAt: -i * 5 * 3_600_000 - 1,
        canary: i === 7,
        recipients: [0, 1, 2].map((a) => ({
          address: (a + i) % 6,
          outcome: (['permanent', 'complained', 'none'] as const)[(a + i) % 3]!,
          late: false,
          retyped: false,
        })),
      })),
    );
    const range = { from: now - 7 * DAY, countFrom: now - 7 * DAY, to: now };
    const expected = await oracle(db, range);
    expect(expected.bounced).toBeGreaterThan(0);
    // As org migration 0016 leaves a database that had emails: no marks yet, a marker over them.
    await db.batch([
      db.prepare('DELETE FROM email_reputation_marks'),
      db.prepare(
        'INSERT INTO email_reputation_marks_backfill (id, high_water, cursor) SELECT 1, max(rowid), 0 FROM emails',
      ),
    ]);
    expect(await counts(db, range)).toEqual(expected);
    const budget = { queriesLeft: 1_000, deadline: Number.POSITIVE_INFINITY };
    const first = await backfillRollups(db, { ...budget, queriesLeft: 1 + 3 }, { slice: 10, now });
    expect(first).toMatchObject({ done: false, marks: { cursor: 10 } });
    expect(await counts(db, range)).toEqual(expected);
    expect(await backfillRollups(db, budget, { slice: 10, now })).toMatchObject({ done: true, marks: null });
    expect(await counts(db, range)).toEqual(expected);
    expect(await db.prepare('SELECT count(*) AS n FROM email_reputation_marks').first('n')).toBe(
      await db
        .prepare(
          `SELECT count(*) AS n FROM email_recipients r JOIN emails e ON e.id = r.email_id WHERE e.canary = 0
           AND (r.complained_at IS NOT NULL OR coalesce(r.bounce_type, 'Permanent') = 'Permanent' AND r.bounced_at IS NOT NULL)`,
        )
        .first('n'),
    );
  });

  it('survive the purge of the emails when the retention is shorter than the window', async () => {
    const now = testTime(1200 * DAY).getTime();
    await clear(db);
    // Every 3 hours over 8 days: 20 recipients, 1 bounced, 1 complained (other people each time).
    for (let t = now - 8 * DAY; t < now; t += 3 * 3_600_000)
      await insertBulkSent(db, { sentAt: t, emails: 20, bounced: 1, complained: 1 });
    const settings = parseReputationGuardSettings({ windowDays: 7, shortWindowMinutes: 60 });
    const before = await reputationReport(db, { now: new Date(now), settings });
    const purge = await purgeOrganization({
      adminDb: env.ADMIN_DB,
      orgDb: db,
      organizationId: `guard-purge-${kind}`,
      policy: { eventsDays: 2, emailsDays: 2 },
      now: new Date(now),
      budget: { queriesLeft: 1_000, deadline: Number.POSITIVE_INFINITY },
      emailSlice: 500,
    });
    expect(purge).toMatchObject({ caughtUp: true });
    const range = { from: before.from, countFrom: before.from, to: now };
    // The raw rows left hold two days of the seven: the old count starved.
    expect((await oracle(db, range)).recipients).toBeLessThan(before.verdict.recipients / 3);
    const after = await reputationReport(db, { now: new Date(now), settings });
    expect(after.verdict).toMatchObject({
      bounced: before.verdict.bounced,
      complained: before.verdict.complained,
      level: before.verdict.level,
    });
    // The first day's purged part is split pro rata to time: within a send of the truth.
    expect(Math.abs(after.verdict.recipients - before.verdict.recipients)).toBeLessThanOrEqual(20);
    expect(after.days).toEqual(before.days);
    expect(after.short).toEqual(before.short);
  });

  it('read as many rows when the whole days of the window hold ten times more', async () => {
    const now = testTime(1300 * DAY).getTime();
    const range = { from: now - 7 * DAY, countFrom: now - 7 * DAY, to: now };
    const rowsRead = async (perDay: number) => {
      await clear(db);
      // The edges (the first and last partial days) alike; the whole days between hold `perDay`.
      for (const t of [now - 7 * DAY + 1, now - 1]) await insertBulkSent(db, { sentAt: t, emails: 10, bounced: 1 });
      for (let d = 1; d < 7; d++)
        await insertBulkSent(db, { sentAt: Math.floor((now - d * DAY) / DAY) * DAY, emails: perDay, bounced: 1 });
      const counting = countingRowsRead(db);
      await counting.db.batch([recipientCountsStatement(counting.db, range)]);
      return counting.rowsRead();
    };
    const small = await rowsRead(100);
    expect(await rowsRead(1_000)).toBe(small);
  });
});
