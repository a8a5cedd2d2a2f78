import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';

/** Milliseconds of a UTC day: a rollup's `day` is `epoch ms / DAY_MS`, rounded down. */
export const DAY_MS = 86_400_000;

/**
 * The metrics of `email_rollups` (migrations/org/0011_daily_rollups.sql, which says what each
 * counts): one row per (UTC day, metric, key) holding its count, kept by that migration's triggers
 * in the statement that changes a raw row.
 */
export const ROLLUP_METRICS = [
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'complained',
  'rejected',
  'failed',
  'human_opened',
  'human_clicked',
  'recipients_sent',
  'recipients_bounced',
  'recipients_complained',
  'verdict_human',
  'verdict_machine',
  'link_human',
  'link_machine',
] as const;

/** One metric of {@link ROLLUP_METRICS}. */
export type RollupMetric = (typeof ROLLUP_METRICS)[number];

/** The UTC day number of an epoch-ms time. */
export function rollupDay(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/**
 * The contributions to `email_rollups` of the events of the emails `ids` selects, and of their
 * recipient rows that only an event created (`kind` NULL), as (day, metric, key) rows, canary
 * emails left out: what the triggers of 0011 added when those rows were inserted (each event's
 * verdict and link, each recipient's sent / bounced / complained day). The same expressions as
 * the migration's triggers and backfill.
 */
function contributionsSql(ids: string): string {
  const notCanary = `NOT EXISTS (SELECT 1 FROM emails WHERE id = x.email_id AND canary = 1)`;
  // One pass over each table joined with its metrics (a VALUES list: D1 caps compound SELECTs).
  const part = (metrics: Record<string, [day: string, key: string]>, from: string) => {
    const cases = (i: 0 | 1) =>
      `CASE m.column1 ${Object.entries(metrics)
        .map(([metric, exprs]) => `WHEN '${metric}' THEN ${exprs[i]}`)
        .join(' ')} END`;
    const values = Object.keys(metrics)
      .map((metric) => `('${metric}')`)
      .join(', ');
    return `SELECT ${cases(0)} AS day, m.column1 AS metric, ${cases(1)} AS key
      FROM ${from} CROSS JOIN (VALUES ${values}) AS m WHERE x.email_id IN (${ids}) AND ${notCanary}`;
  };
  const on = (cond: string) => `CASE WHEN ${cond} THEN x.occurred_at / ${DAY_MS} END`;
  const click = `x.event_type = 'Click' AND x.link IS NOT NULL`;
  return [
    part(
      {
        verdict_human: [on(`x.engagement = 'human'`), `coalesce(x.engagement_rule, '')`],
        verdict_machine: [on(`x.engagement = 'machine'`), `coalesce(x.engagement_rule, '')`],
        link_human: [on(`${click} AND x.engagement IS NOT 'machine'`), 'x.link'],
        link_machine: [on(`${click} AND x.engagement IS 'machine'`), 'x.link'],
      },
      'email_events AS x',
    ),
    part(
      {
        recipients_sent: [`x.sent_at / ${DAY_MS}`, `''`],
        recipients_bounced: [`x.bounced_at / ${DAY_MS}`, `coalesce(x.bounce_type, '')`],
        recipients_complained: [`x.complained_at / ${DAY_MS}`, `''`],
      },
      'email_recipients AS x',
    ).replace('WHERE x.email_id', 'WHERE x.kind IS NULL AND x.email_id'),
  ].join(' UNION ALL ');
}

/**
 * One statement that subtracts from `email_rollups` what the events and event-created recipient
 * rows of the emails `ids` selects added, before a tracking reset deletes them to record them again
 * (ingest/d1-tracking-reset.ts): the rows it resets with an UPDATE move their figures through the
 * triggers themselves. `ids` is a subquery of email ids (its `?` bound by `params`); `guard` is
 * appended to the statement's WHERE (the reset's own condition).
 * @see https://www.sqlite.org/lang_upsert.html
 */
export function subtractRollupsStatement(
  db: D1Database,
  ids: string,
  params: readonly unknown[],
  guard: { sql: string; params: readonly unknown[] } = { sql: '', params: [] },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO email_rollups (day, metric, key, count)
       SELECT day, metric, key, -count(*) FROM (${contributionsSql(ids)})
       WHERE day IS NOT NULL${guard.sql} GROUP BY day, metric, key
       ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    )
    .bind(...Array.from({ length: 2 }, () => params).flat(), ...guard.params);
}
