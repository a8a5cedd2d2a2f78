import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { MAX_GUARD_WINDOW_DAYS, type ReputationMarkKind } from './reputation-marks-sql.js';

/** Milliseconds of a UTC hour: an hour bucket's `span` in `email_guard_rollups`. */
export const HOUR_MS = 3_600_000;
/** Milliseconds of a UTC day: a day bucket's `span`. */
export const GUARD_DAY_MS = 86_400_000;

/**
 * The metrics of `email_guard_rollups` (migrations/org/0019_guard_hourly_rollups.sql, which says
 * what each counts): recipients sent by hour; per kind of mark, the addresses whose latest mark was
 * sent in an hour or a day (`_latest`), and the addresses marked on a day (`_days`).
 */
export const guardMetric = {
  recipientsSent: 'recipients_sent',
  latest: (kind: ReputationMarkKind) => `${kind}_latest`,
  days: (kind: ReputationMarkKind) => `${kind}_days`,
} as const;

/** Every metric of {@link guardMetric}. */
export const GUARD_METRICS: readonly string[] = [
  guardMetric.recipientsSent,
  ...(['bounced', 'complained'] as const).flatMap((kind) => [guardMetric.latest(kind), guardMetric.days(kind)]),
];

/** The time from which the buckets are exact (SQL; NULL without its row, while a move copies it). */
export const GUARD_ROLLUPS_SINCE_SQL = '(SELECT since FROM email_guard_rollups_since)';

/**
 * The sum of `metric`'s buckets of `span` that start in `[from, to)` (SQL; `to` omitted: no end),
 * one range of the primary key: as many rows as buckets there.
 */
export function guardRollupSumSql(metric: string, span: number, from: string, to?: string): string {
  const end = to === undefined ? '' : ` AND start < ${to}`;
  return `(SELECT coalesce(sum(count), 0) FROM email_guard_rollups WHERE metric = '${metric}' AND span = ${span} AND start >= ${from}${end})`;
}

/**
 * One statement that subtracts from the hourly `recipients_sent` what the recipient rows only an
 * event created (`kind` NULL) of the emails `ids` selects added, before a tracking reset deletes them
 * (ingest/d1-tracking-reset.ts; the daily rollups' own is `subtractRollupsStatement`). `ids` is a
 * subquery of email ids bound by `params`; `guard` is appended to the WHERE.
 * @see https://www.sqlite.org/lang_upsert.html
 */
export function subtractGuardRollupsStatement(
  db: D1Database,
  ids: string,
  params: readonly unknown[],
  guard: { sql: string; params: readonly unknown[] } = { sql: '', params: [] },
): D1PreparedStatement {
  const hour = `x.sent_at / ${HOUR_MS} * ${HOUR_MS}`;
  return db
    .prepare(
      `INSERT INTO email_guard_rollups (metric, span, start, count)
       SELECT '${guardMetric.recipientsSent}', ${HOUR_MS}, ${hour}, -count(*) FROM email_recipients AS x
       WHERE x.kind IS NULL AND x.email_id IN (${ids}) AND x.sent_at IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM emails AS e WHERE e.id = x.email_id AND e.canary = 1)
         AND ${hour} >= ${GUARD_ROLLUPS_SINCE_SQL}${guard.sql}
       GROUP BY 3 ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    )
    .bind(...params, ...guard.params);
}

/**
 * Where the retention purge moves `since` at `now`: the start of the UTC day of the longest window's
 * start (`MAX_GUARD_WINDOW_DAYS`), so every window the guard evaluates later starts after it.
 */
export function guardRollupsCutoff(now: number): number {
  return Math.floor((now - MAX_GUARD_WINDOW_DAYS * GUARD_DAY_MS) / GUARD_DAY_MS) * GUARD_DAY_MS;
}

/**
 * The retention purge's slice of `email_guard_rollups`: moves `since` forward to `cutoff` (first:
 * nothing is counted before it any more), then deletes up to `limit` buckets that start before it,
 * returning one row per bucket deleted.
 * @see https://www.sqlite.org/lang_returning.html
 */
export function purgeGuardRollupsStatements(db: D1Database, cutoff: number, limit: number): D1PreparedStatement[] {
  return [
    db.prepare('UPDATE email_guard_rollups_since SET since = ?1 WHERE since < ?1').bind(cutoff),
    db
      .prepare(
        `DELETE FROM email_guard_rollups WHERE (metric, span, start) IN
           (SELECT metric, span, start FROM email_guard_rollups
            WHERE metric IN (${GUARD_METRICS.map((m) => `'${m}'`).join(', ')}) AND span IN (${HOUR_MS}, ${GUARD_DAY_MS})
              AND start < ?1 LIMIT ?2)
         RETURNING 1 AS gone`,
      )
      .bind(cutoff, limit),
  ];
}
