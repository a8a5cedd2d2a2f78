import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORG_DATABASE_KINDS } from '../../../../test/org-database-kinds.js';
import { seedOrganizations } from '../../../../test/seed.js';
import { createD1LinkStats } from '../email-log/d1-link-stats.js';
import { LINK_ROLLUPS_TOP_N, linkRollupsTrimDay, TOP_LINKS_DAYS, trimLinkRollups } from './link-rollups.js';
import { DAY_MS } from './policy.js';
import { purgeOrganization } from './purge.js';

const now = TEST_NOW;
const today = Math.floor(now.getTime() / DAY_MS);

/** A click: `daysAgo` before now, on link number `link`, by a machine or a person. */
interface Click {
  daysAgo: number;
  link: number;
  machine: boolean;
}

/** Empties the tables the rollups are counted from, the rollups and the trim's marker. */
async function reset(db: D1Database): Promise<void> {
  await db.batch(
    [
      'DELETE FROM email_events',
      'DELETE FROM emails',
      'DELETE FROM email_rollups',
      'DELETE FROM email_rollups_backfill',
      'UPDATE email_rollups_links_trimmed SET before_day = 0',
    ].map((sql) => db.prepare(sql)),
  );
}

/** One email per click (so that the triggers of org 0011 count it), and its Click event. */
async function seedClicks(db: D1Database, clicks: readonly Click[]): Promise<void> {
  const rows = clicks.map((click, i) => ({
    id: `click-${i}`,
    at: now.getTime() - click.daysAgo * DAY_MS - i,
    link: `https://example.com/t/${click.link}`,
    engagement: click.machine ? 'machine' : null,
  }));
  const json = JSON.stringify(rows);
  await db.batch([
    db
      .prepare(
        `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at)
         SELECT value ->> 'id', 'to@example.com', 'from@example.com', 'Hi', 'sent', 'ses-' || (value ->> 'id'),
                value ->> 'at', value ->> 'at' FROM json_each(?1)`,
      )
      .bind(json),
    db
      .prepare(
        `INSERT INTO email_events (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail,
                                   received_at, ingest_token, link, engagement)
         SELECT 'sns-' || (value ->> 'id'), value ->> 'id', 'ses-' || (value ->> 'id'), 'Click', value ->> 'at', '{}',
                value ->> 'at', 't', value ->> 'link', value ->> 'engagement' FROM json_each(?1)`,
      )
      .bind(json),
  ]);
}

interface RollupRow {
  day: number;
  metric: string;
  key: string;
  count: number;
}

const rollups = async (db: D1Database) =>
  (await db.prepare('SELECT day, metric, key, count FROM email_rollups ORDER BY day, metric, key').all<RollupRow>())
    .results;

const isLink = (row: RollupRow) => row.metric === 'link_human' || row.metric === 'link_machine';

/** The rows a trim keeps: every row, but of each link metric's day before `trimDay` its top N. */
function expectedAfterTrim(rows: readonly RollupRow[], trimDay: number): RollupRow[] {
  const groups = new Map<string, RollupRow[]>();
  for (const row of rows.filter((r) => isLink(r) && r.day < trimDay)) {
    const group = `${row.day}/${row.metric}`;
    groups.set(group, [...(groups.get(group) ?? []), row]);
  }
  const kept = new Set(
    [...groups.values()].flatMap((group) =>
      group
        .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, LINK_ROLLUPS_TOP_N),
    ),
  );
  return rows.filter((row) => !isLink(row) || row.day >= trimDay || kept.has(row));
}

beforeAll(seedOrganizations);

describe.each(ORG_DATABASE_KINDS)('link rollups past the events retention on $kind', ({ db, organizationId }) => {
  it('keeps each old day its top links per metric, and every other row, in slices within the budget that resume', async () => {
    let runsThatTrimmed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 45 }),
        fc.array(
          fc.record({
            // Most on a few days (some past the overview's period), the others anywhere.
            daysAgo: fc.oneof(fc.constantFrom(3, 20, 35, 48), fc.integer({ min: 0, max: 50 })),
            // Many links on few days: some days have more than N of a metric.
            link: fc.integer({ min: 0, max: 3 * LINK_ROLLUPS_TOP_N }),
            machine: fc.boolean(),
          }),
          { minLength: 1, maxLength: 200, size: 'max' },
        ),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 9, max: 30 }),
        async (eventsDays, clicks, slice, queries) => {
          await reset(db);
          await seedClicks(db, clicks);
          const before = await rollups(db);
          const stats = createD1LinkStats(db);
          const overviewFrom = (today - TOP_LINKS_DAYS + 1) * DAY_MS;
          const topLinks = await stats.topLinks(overviewFrom, now.getTime() + 1, 100);
          const policy = { eventsDays, emailsDays: 60 };
          const trimDay = linkRollupsTrimDay(now.getTime() - eventsDays * DAY_MS, now);

          let trimmed = 0;
          // Small budgets: each call stays within its own, and the calls resume until caught up.
          for (let call = 0; ; call++) {
            expect(call).toBeLessThan(500);
            const budget = { queriesLeft: queries, deadline: Number.POSITIVE_INFINITY };
            const run = await purgeOrganization({
              adminDb: env.ADMIN_DB,
              orgDb: db,
              organizationId,
              policy,
              now,
              budget,
              eventSlice: slice,
            });
            expect(run.queries).toBeLessThanOrEqual(queries);
            trimmed += run.linkRollupsDeleted;
            if (run.caughtUp) break;
          }

          const after = await rollups(db);
          expect(before.length - after.length).toBe(trimmed);
          runsThatTrimmed += trimmed > 0 ? 1 : 0;
          expect(after).toEqual(expectedAfterTrim(before, trimDay));
          // The bound: at most N rows per old day and link metric.
          const oldLinks = after.filter((row) => isLink(row) && row.day < trimDay);
          expect(oldLinks.length).toBeLessThanOrEqual(
            2 * LINK_ROLLUPS_TOP_N * new Set(oldLinks.map((r) => r.day)).size,
          );
          // The overview's top links (its period is never trimmed) are the same.
          expect(await stats.topLinks(overviewFrom, now.getTime() + 1, 100)).toEqual(topLinks);
        },
      ),
      { numRuns: 12, seed: 30 },
    );
    // The property was put to work: most runs had days with more than N links of a metric.
    expect(runsThatTrimmed).toBeGreaterThanOrEqual(4);
  });

  it('deletes a tokenised link per click down to N a day, and a caught-up run costs one query', async () => {
    await reset(db);
    // 60 days ago, a link per recipient: 40 clicks, 40 links, plus 3 clicks of one shared link.
    const day = 60;
    await seedClicks(db, [
      ...Array.from({ length: 40 }, (_, i) => ({ daysAgo: day, link: 100 + i, machine: false })),
      ...Array.from({ length: 3 }, () => ({ daysAgo: day, link: 7, machine: false })),
    ]);
    expect((await rollups(db)).filter(isLink)).toHaveLength(41);
    let spent = 0;
    const budget = { canSpend: () => true, spend: (n: number) => void (spent += n) };
    const trimDay = linkRollupsTrimDay(now.getTime() - 10 * DAY_MS, now);
    const trim = await trimLinkRollups(db, trimDay, 500, budget);
    expect(trim).toEqual({ deleted: 41 - LINK_ROLLUPS_TOP_N, done: true });
    const kept = (await rollups(db)).filter(isLink);
    expect(kept).toHaveLength(LINK_ROLLUPS_TOP_N);
    expect(kept).toContainEqual(expect.objectContaining({ key: 'https://example.com/t/7', count: 3 }));
    spent = 0;
    expect(await trimLinkRollups(db, trimDay, 500, budget)).toEqual({ deleted: 0, done: true });
    expect(spent).toBe(1);
  });
});
