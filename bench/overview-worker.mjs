// The Worker of bench/overview.mjs, run by miniflare in workerd next to its D1 database (a D1 call
// from Node would add a round trip per statement and measure that instead), bundled with the built
// SDK (bench/lib.mjs bundleWorker). Three contenders, each the overview's reads of 30 UTC days:
// - `rollups`: what the overview runs (kuratchi's dailyStats, topLinks and verdictCounts, read from
//   the daily rollups, migrations/org/0011_daily_rollups.sql);
// - `rows`: the bare read of the same days' rollup rows, nothing else;
// - `raw`: the same figures counted from raw rows, as the overview did before the rollups
//   (d1-email-queries.ts, d1-link-stats.ts and d1-verdict-stats.ts at 25f9a35).
import { createD1EmailQueries } from 'kuratchi-sdk/internal/d1';

const DAY_MS = 86_400_000;
const DAYS = 30;

/** Each milestone of the old dailyStats: field, table, time column, extra condition. */
const MILESTONES = [
  ['sent', 'emails', 'sent_at'],
  ['delivered', 'emails', 'delivered_at'],
  ['opened', 'emails', 'opened_at'],
  ['clicked', 'emails', 'clicked_at'],
  ['bounced', 'emails', 'bounced_at'],
  ['complained', 'emails', 'complained_at'],
  ['humanOpened', 'emails', 'opened_at', 'open_count > machine_open_count'],
  ['humanClicked', 'emails', 'clicked_at', 'click_count > machine_click_count'],
  ['recipientsSent', 'email_recipients', 'sent_at'],
  ['recipientsBounced', 'email_recipients', 'bounced_at'],
  ['recipientsComplained', 'email_recipients', 'complained_at'],
];
const NOT_CANARY = (table) =>
  table === 'emails'
    ? 'canary = 0'
    : `NOT EXISTS (SELECT 1 FROM emails AS canary_email WHERE canary_email.id = ${table}.email_id AND canary_email.canary = 1)`;

/** The overview's three reads counted from raw rows (the queries before the rollups). */
async function raw(db, now) {
  const end = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const start = end - DAYS * DAY_MS;
  const [perMilestone, links, verdicts] = await Promise.all([
    db.batch(
      MILESTONES.map(([, table, column, extra]) =>
        db
          .prepare(
            `SELECT CAST((${column} - ?) / ${DAY_MS} AS INTEGER) AS dayIndex, count(*) AS n FROM ${table}
             WHERE ${column} >= ? AND ${column} < ?${extra ? ` AND ${extra}` : ''} AND ${NOT_CANARY(table)} GROUP BY dayIndex`,
          )
          .bind(start, start, end),
      ),
    ),
    db
      .prepare(
        `SELECT link, sum(NOT coalesce(engagement = 'machine', 0)) AS humanClicks, sum(coalesce(engagement = 'machine', 0)) AS machineClicks,
                count(DISTINCT CASE WHEN engagement = 'machine' THEN NULL ELSE email_id END) AS emailsClickedByHuman
         FROM email_events WHERE event_type = 'Click' AND occurred_at >= ? AND occurred_at < ? AND link IS NOT NULL
           AND ${NOT_CANARY('email_events')}
         GROUP BY link ORDER BY humanClicks DESC, machineClicks DESC, link LIMIT 10`,
      )
      .bind(start, end)
      .all(),
    db
      .prepare(
        `SELECT engagement, engagement_rule AS rule, count(*) AS count
         FROM email_events INDEXED BY email_events_verdicts_by_time
         WHERE engagement IS NOT NULL AND occurred_at >= ? AND occurred_at < ? AND ${NOT_CANARY('email_events')}
         GROUP BY engagement, engagement_rule ORDER BY count DESC, engagement, rule`,
      )
      .bind(start, end)
      .all(),
  ]);
  const stats = Array.from({ length: DAYS }, (_, i) => ({
    day: new Date(start + i * DAY_MS).toISOString().slice(0, 10),
    ...Object.fromEntries(MILESTONES.map(([name]) => [name, 0])),
  }));
  MILESTONES.forEach(([name], i) => {
    for (const row of perMilestone[i].results) if (stats[row.dayIndex]) stats[row.dayIndex][name] = row.n;
  });
  return { stats, links: links.results, verdicts: verdicts.results };
}

/** What the overview runs: the rollups. */
async function rollups(db, now) {
  const queries = createD1EmailQueries(db);
  const firstDay = (Math.floor(now / DAY_MS) - DAYS + 1) * DAY_MS;
  const [stats, links, verdicts] = await Promise.all([
    queries.dailyStats(DAYS, now),
    queries.topLinks(firstDay, now + 1, 10),
    queries.verdictCounts(firstDay, now + 1),
  ]);
  return { stats, links, verdicts };
}

/** The bare read of the days' rollup rows. */
function rows(db, now) {
  const end = Math.floor(now / DAY_MS) + 1;
  return db
    .prepare('SELECT day, metric, key, count FROM email_rollups WHERE day >= ? AND day < ?')
    .bind(end - DAYS, end)
    .all();
}

export default {
  /**
   * POST { run: 'rollups' | 'rows' | 'raw' | 'check', now, repeat }: `check` answers the figures of
   * `raw` and `rollups` (compared by bench/overview.mjs); otherwise the mean ms of `repeat`
   * sequential calls of one contender, timed here.
   */
  async fetch(request, env) {
    const { run, now, repeat } = await request.json();
    if (run === 'check') return Response.json({ raw: await raw(env.DB, now), rollups: await rollups(env.DB, now) });
    const call = { rollups, rows, raw }[run];
    const start = performance.now();
    for (let i = 0; i < repeat; i++) await call(env.DB, now);
    return Response.json({ ms: (performance.now() - start) / repeat });
  },
};
