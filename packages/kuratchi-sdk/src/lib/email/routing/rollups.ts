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
 * True (SQL) while the email row `alias` waits for the rollup backfill: its rowid is in the
 * marker's (cursor, high_water] (0011_daily_rollups.sql). Its rows and theirs are counted by the
 * backfill (rollup-backfill.ts), not by the triggers, so nothing may take back what they count.
 * @see https://www.sqlite.org/lang_createtable.html#rowid
 */
export function pendingBackfillSql(alias: string): string {
  return `EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE ${alias}.rowid > b.cursor AND ${alias}.rowid <= b.high_water)`;
}

/**
 * The key of `recipients_sent` for a send at `at` (SQL): its UTC hour, '00' to '23', from the
 * `hours_since` of org migration 0019 on; '' before (as 0011 counted every row).
 */
export function recipientsSentKeySql(at: string): string {
  return `CASE WHEN ${at} / 3600000 * 3600000 >= (SELECT hours_since FROM email_guard_rollups_since) THEN printf('%02d', ${at} / 3600000 % 24) ELSE '' END`;
}

/** A metric's day and key expressions over a row `x` (the migrations' triggers, as SQL). */
type MetricSql = Record<string, [day: string, key: string]>;

const on = (cond: string, at: string) => `CASE WHEN ${cond} THEN x.${at} / ${DAY_MS} END`;
const click = `x.event_type = 'Click' AND x.link IS NOT NULL`;

/** What each table's rows count, as the triggers of 0011_daily_rollups.sql (and 0019's) count it. */
export const ROLLUP_SOURCES = {
  emails: {
    sent: [`x.sent_at / ${DAY_MS}`, `''`],
    delivered: [`x.delivered_at / ${DAY_MS}`, `''`],
    opened: [`x.opened_at / ${DAY_MS}`, `''`],
    clicked: [`x.clicked_at / ${DAY_MS}`, `''`],
    bounced: [`x.bounced_at / ${DAY_MS}`, `coalesce(x.bounce_type, '')`],
    complained: [`x.complained_at / ${DAY_MS}`, `''`],
    rejected: [`x.rejected_at / ${DAY_MS}`, `''`],
    failed: [`x.failed_at / ${DAY_MS}`, `''`],
    human_opened: [on('x.open_count > x.machine_open_count', 'opened_at'), `''`],
    human_clicked: [on('x.click_count > x.machine_click_count', 'clicked_at'), `''`],
  },
  email_recipients: {
    recipients_sent: [`x.sent_at / ${DAY_MS}`, recipientsSentKeySql('x.sent_at')],
    recipients_bounced: [`x.bounced_at / ${DAY_MS}`, `coalesce(x.bounce_type, '')`],
    recipients_complained: [`x.complained_at / ${DAY_MS}`, `''`],
  },
  email_events: {
    verdict_human: [on(`x.engagement = 'human'`, 'occurred_at'), `coalesce(x.engagement_rule, '')`],
    verdict_machine: [on(`x.engagement = 'machine'`, 'occurred_at'), `coalesce(x.engagement_rule, '')`],
    link_human: [on(`${click} AND x.engagement IS NOT 'machine'`, 'occurred_at'), 'x.link'],
    link_machine: [on(`${click} AND x.engagement IS 'machine'`, 'occurred_at'), 'x.link'],
  },
} as const satisfies Record<string, MetricSql>;

/**
 * The (day, metric, key) contributions of the rows of `table` (as `x`) that `where` selects: one
 * pass over the table joined with its metrics (a VALUES list: D1 caps compound SELECTs). Rows
 * whose day is NULL count nothing. `from` is the FROM clause before the metrics (default the
 * table alone): SQLite keeps the order of a CROSS JOIN, so the table that `where` narrows comes
 * first.
 * @see https://www.sqlite.org/optoverview.html#crossjoin
 */
export function contributionsSql(table: keyof typeof ROLLUP_SOURCES, where: string, from = `${table} AS x`): string {
  const metrics: MetricSql = ROLLUP_SOURCES[table];
  const cases = (i: 0 | 1) =>
    `CASE m.column1 ${Object.entries(metrics)
      .map(([metric, exprs]) => `WHEN '${metric}' THEN ${exprs[i]}`)
      .join(' ')} END`;
  const values = Object.keys(metrics)
    .map((metric) => `('${metric}')`)
    .join(', ');
  return `SELECT ${cases(0)} AS day, m.column1 AS metric, ${cases(1)} AS key
    FROM ${from} CROSS JOIN (VALUES ${values}) AS m ${where}`;
}

/**
 * The contributions of the events of the emails `ids` selects, and of their recipient rows that
 * only an event created (`kind` NULL): what the triggers added when those rows were inserted.
 * Canary emails and emails still waiting for the backfill counted nothing, so they are left out.
 */
function eventContributionsSql(ids: string): string {
  const counted = `NOT EXISTS (SELECT 1 FROM emails AS e WHERE e.id = x.email_id AND (e.canary = 1 OR ${pendingBackfillSql('e')}))`;
  return [
    contributionsSql('email_events', `WHERE x.email_id IN (${ids}) AND ${counted}`),
    contributionsSql('email_recipients', `WHERE x.kind IS NULL AND x.email_id IN (${ids}) AND ${counted}`),
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
       SELECT day, metric, key, -count(*) FROM (${eventContributionsSql(ids)})
       WHERE day IS NOT NULL${guard.sql} GROUP BY day, metric, key
       ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    )
    .bind(...Array.from({ length: 2 }, () => params).flat(), ...guard.params);
}
