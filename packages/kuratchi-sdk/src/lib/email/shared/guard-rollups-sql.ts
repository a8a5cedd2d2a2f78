import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { MAX_GUARD_WINDOW_DAYS, type ReputationMarkKind } from './reputation-marks-sql.js';

/** Milliseconds of a UTC hour: an hour bucket's `span` in `email_guard_rollups`. */
export const HOUR_MS = 3_600_000;
/** Milliseconds of a UTC day: a day bucket's `span`. */
export const GUARD_DAY_MS = 86_400_000;

/**
 * The metrics of `email_guard_rollups` (migrations/org/0019_guard_hourly_rollups.sql, which says
 * what each counts): per kind of mark, the addresses whose latest mark was sent in an hour or a day
 * (`_latest`), and the addresses marked on a day (`_days`).
 */
export const guardMetric = {
  latest: (kind: ReputationMarkKind) => `${kind}_latest`,
  days: (kind: ReputationMarkKind) => `${kind}_days`,
} as const;

/** Every metric of {@link guardMetric}. */
export const GUARD_METRICS: readonly string[] = (['bounced', 'complained'] as const).flatMap((kind) => [
  guardMetric.latest(kind),
  guardMetric.days(kind),
]);

/** The time from which the buckets are exact (SQL; NULL without its row, while a move copies it). */
export const GUARD_ROLLUPS_SINCE_SQL = '(SELECT since FROM email_guard_rollups_since)';

/** The time from which the daily rollups' `recipients_sent` is keyed by hour (SQL; NULL likewise). */
export const HOURS_SINCE_SQL = '(SELECT hours_since FROM email_guard_rollups_since)';

/**
 * The sum of `metric`'s buckets of `span` that start in `[from, to)` (SQL; `to` omitted: no end),
 * one range of the primary key: as many rows as buckets there.
 */
export function guardRollupSumSql(metric: string, span: number, from: string, to?: string): string {
  const end = to === undefined ? '' : ` AND start < ${to}`;
  return `(SELECT coalesce(sum(count), 0) FROM email_guard_rollups WHERE metric = '${metric}' AND span = ${span} AND start >= ${from}${end})`;
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
