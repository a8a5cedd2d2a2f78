import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { purgeOrganization } from '../retention/purge.js';
import { backfillRollups } from '../routing/rollup-backfill.js';
import { recipientCountsStatement } from './d1-recipient-counts.js';
import { insertBulkSent } from './fixtures/recipients.js';
import { clear, counts, DAY, emailArb, oracle, ranges, write } from './fixtures/recount.js';
import { reputationReport } from './report.js';
import { parseReputationGuardSettings } from './settings.js';

// The guard's counts read from the daily rollups and the reputation marks (org migrations 0011,
// 0016) against the raw query it ran before (the oracle, fixtures/recount.ts): random emails around a
// window, addresses mailed several times, permanent, transient and untyped bounces, complaints,
// outcomes that arrive later (an UPDATE) or change, canaries, lifts; on D1 and on a Durable Object.

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
