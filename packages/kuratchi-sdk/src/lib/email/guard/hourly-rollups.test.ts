import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { countingRowsRead } from '../../../../test/rows-read.js';
import { HOUR_MS } from '../shared/guard-rollups-sql.js';
import { insertBulkSent } from './fixtures/recipients.js';
import { clear, counts, DAY, emailArb, MINUTE, oracle, ranges, write, type CaseEmail } from './fixtures/recount.js';
import { reputationReport } from './report.js';
import { parseReputationGuardSettings } from './settings.js';

// The guard's counts from the rollups' hour keys and the buckets of each address's latest mark
// (org migration 0019) against the raw recount, with the window's edges mid-day and mid-hour; the
// buckets against a recount of theirs; an organisation that had emails before 0019 (its `since`).

/** Emails before now only (the buckets of the latest marks are read when no mark is after now), many near the window's edges. */
const caseArb = fc.integer({ min: 1, max: 9 }).chain((windowDays) =>
  fc.record({
    windowDays: fc.constant(windowDays),
    timeOfDay: fc.oneof(
      fc.constant(0),
      fc.integer({ min: 1, max: 24 }).map((h) => h * HOUR_MS - 1),
      fc.integer({ min: 1, max: DAY - 1 }),
    ),
    shortMinutes: fc.oneof(fc.constant(60), fc.integer({ min: 1, max: 1440 })),
    lift: fc.option(fc.integer({ min: -(windowDays + 1) * DAY, max: -1 })),
    emails: fc.array(
      fc
        .tuple(
          emailArb(windowDays),
          fc.constantFrom('any', 'start', 'hour'),
          fc.integer({ min: -2 * HOUR_MS, max: 2 * HOUR_MS }),
        )
        .map(([email, near, offset]): CaseEmail => {
          const at = near === 'any' ? email.sentAt : (near === 'start' ? -windowDays * DAY : -HOUR_MS) + offset;
          return { ...email, sentAt: Math.min(at, -1) };
        }),
      { minLength: 1, maxLength: 24 },
    ),
  }),
);

/** The buckets of 0019 and the hour keys of `recipients_sent` recounted from the marks and the raw rows (non-zero ones, sorted). */
async function recountedBuckets(db: D1Database): Promise<unknown[]> {
  const { results } = await db
    .prepare(
      `WITH latest AS (SELECT kind, max(sent_at) AS at FROM email_reputation_marks GROUP BY kind, address),
       days AS (SELECT DISTINCT kind, address, sent_at / ${DAY} AS day FROM email_reputation_marks)
       SELECT 'recipients_sent' AS metric, r.sent_at / ${DAY} AS span, printf('%02d', r.sent_at / ${HOUR_MS} % 24) AS start,
              count(*) AS count
         FROM email_recipients r JOIN emails e ON e.id = r.email_id WHERE r.sent_at IS NOT NULL AND e.canary = 0 GROUP BY 2, 3
       UNION ALL SELECT kind || '_latest', ${HOUR_MS}, at / ${HOUR_MS} * ${HOUR_MS}, count(*) FROM latest GROUP BY 1, 3
       UNION ALL SELECT kind || '_latest', ${DAY}, at / ${DAY} * ${DAY}, count(*) FROM latest GROUP BY 1, 3
       UNION ALL SELECT kind || '_days', ${DAY}, day * ${DAY}, count(*) FROM days GROUP BY 1, 3
       ORDER BY 1, 2, 3`,
    )
    .all();
  return results;
}

/** The same as kept (the rollups' day in `span`, the hour in `start`). */
const buckets = async (db: D1Database) =>
  (
    await db
      .prepare(
        `SELECT metric, span, start, count FROM email_guard_rollups WHERE count <> 0
         UNION ALL SELECT metric, day, key, count FROM email_rollups WHERE metric = 'recipients_sent' AND count <> 0
         ORDER BY 1, 2, 3`,
      )
      .all()
  ).results;

const setSince = (db: D1Database, since: number | null) =>
  since === null
    ? db.prepare('DELETE FROM email_guard_rollups_since').run()
    : db
        .prepare('INSERT OR REPLACE INTO email_guard_rollups_since (id, since, hours_since) VALUES (1, ?1, ?1)')
        .bind(since)
        .run();

describe.each(ORG_DATABASE_KINDS)("the guard's hourly buckets on $kind", ({ kind, db }) => {
  it('give the raw recount with the edges mid-day and mid-hour, lifts, and the same trend as the marks', async () => {
    const base = Math.floor(testTime(1400 * DAY).getTime() / DAY) * DAY;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        await setSince(db, 0);
        await clear(db);
        const now = base + c.timeOfDay;
        await write(db, now, c.emails);
        expect(await buckets(db)).toEqual(await recountedBuckets(db));
        for (const range of ranges(now, c))
          expect(await counts(db, range), JSON.stringify(range)).toEqual(await oracle(db, range));
        const settings = parseReputationGuardSettings({ windowDays: c.windowDays, shortWindowMinutes: c.shortMinutes });
        const options = { now: new Date(now), settings, rearmAfter: c.lift === null ? null : now + c.lift };
        const report = await reputationReport(db, options);
        // As before 0019 (no `since`: every part read the earlier way).
        await setSince(db, null);
        expect(report).toEqual(await reputationReport(db, options));
      }),
      { numRuns: kind === 'd1' ? 60 : 20 },
    );
  });

  it('give it for an organisation that had emails before 0019: as before until the window starts after `since`', async () => {
    const now = testTime(1500 * DAY).getTime() + 37 * MINUTE;
    const emails = (from: number, to: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        sentAt: from + Math.floor(((to - from) * i) / n),
        canary: false,
        recipients: [0, 1, 2].map((a) => ({
          address: (a + i) % 7,
          outcome: (['permanent', 'complained', 'none', 'none'] as const)[(a + i) % 4]!,
          late: i % 3 === 0,
          retyped: false,
        })),
      }));
    await setSince(db, 0);
    await clear(db);
    // What 0019 finds: emails up to two days ago, no buckets, `since` the hour after the last.
    await write(db, now, emails(-9 * DAY, -2 * DAY, 40));
    const last = (await db.prepare('SELECT max(sent_at) AS m FROM email_recipients').first<{ m: number }>())!.m;
    await db.batch([
      db.prepare('DELETE FROM email_guard_rollups'),
      // 0011 counted them under the key ''.
      db.prepare(
        `INSERT INTO email_rollups (day, metric, key, count)
         SELECT day, metric, '', sum(count) FROM email_rollups WHERE metric = 'recipients_sent' AND key <> '' GROUP BY day
         ON CONFLICT DO UPDATE SET count = count + excluded.count`,
      ),
      db.prepare(`DELETE FROM email_rollups WHERE metric = 'recipients_sent' AND key <> ''`),
    ]);
    await setSince(db, (Math.floor(last / HOUR_MS) + 1) * HOUR_MS);
    // Then emails after it.
    await write(db, now, emails(-2 * DAY + HOUR_MS, -1, 30), 40);
    for (const windowDays of [1, 3, 7]) {
      const range = { from: now - windowDays * DAY, countFrom: now - windowDays * DAY, to: now };
      expect(await counts(db, range), `${windowDays} days`).toEqual(await oracle(db, range));
      const lifted = { ...range, countFrom: now - DAY / 2 };
      expect(await counts(db, lifted), `${windowDays} days, lifted`).toEqual(await oracle(db, lifted));
    }
  });

  it('read as many rows when every whole hour of the window holds ten times more', async () => {
    // Now mid-hour and mid-day: the window's first and last hours hold as much at both volumes.
    const now = Math.floor(testTime(1600 * DAY).getTime() / DAY) * DAY + 13 * HOUR_MS + 30 * MINUTE;
    const from = now - 7 * DAY;
    const settings = parseReputationGuardSettings({ windowDays: 7, shortWindowMinutes: 60 });
    const rowsRead = async (perHour: number) => {
      await setSince(db, 0);
      await clear(db);
      for (const t of [from + 1, now - 1])
        await insertBulkSent(db, { sentAt: t, emails: 3, bounced: 1, complained: 1 });
      for (let t = Math.ceil(from / HOUR_MS) * HOUR_MS; t < Math.floor(now / HOUR_MS) * HOUR_MS; t += HOUR_MS)
        await insertBulkSent(db, { sentAt: t, emails: perHour, bounced: perHour / 5, complained: perHour / 5 });
      const counting = countingRowsRead(db);
      await reputationReport(counting.db, { now: new Date(now), settings });
      return counting.rowsRead();
    };
    const small = await rowsRead(5);
    expect(await rowsRead(50)).toBe(small);
  });
});
