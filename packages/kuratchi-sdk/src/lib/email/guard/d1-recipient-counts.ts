import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';
import { REPUTATION_MARK_SQL, type ReputationMarkKind } from '../shared/reputation-marks-sql.js';
import {
  GUARD_ROLLUPS_SINCE_SQL,
  guardMetric,
  guardRollupSumSql,
  HOUR_MS,
  HOURS_SINCE_SQL,
} from '../shared/guard-rollups-sql.js';
import type { RecipientCounts } from './verdict.js';

const DAY_MS = 86_400_000;
const MARK_KINDS: readonly ReputationMarkKind[] = ['bounced', 'complained'];
/** Not a canary email's (shared/canary-sql.ts), on `emails` as `e`. */
const NOT_CANARY = notCanarySql('emails');

/** Recipients sent to in one UTC day, and how many distinct addresses of them bounced permanently or complained. */
export interface RecipientDay {
  /** Start of the UTC day (epoch ms): the daily rollups' days. */
  start: number;
  recipients: number;
  bounced: number;
  complained: number;
}

/** Bound values of a statement, named `?1`… in the order they are added. */
class Params {
  readonly values: Array<number | string>;
  constructor(first: number[]) {
    this.values = [...first];
  }
  /** `value` bound, as SQL. */
  p(value: number | string): string {
    return `?${this.values.push(value)}`;
  }
}

/** Non-canary recipients of the raw rows sent in `[from, to)` (SQL bounds), through `email_recipients_by_sent`. */
const raw = (from: string, to: string) =>
  `(SELECT count(*) FROM email_recipients r JOIN emails e ON e.id = r.email_id
    WHERE r.sent_at >= ${from} AND r.sent_at < ${to} AND e.${NOT_CANARY})`;

/** The rollup `recipients_sent` of UTC day `day` (SQL): the sum of its keys (hours, or '' before 0019). */
const dayRollup = (day: string) =>
  `(SELECT coalesce(sum(count), 0) FROM email_rollups WHERE day = ${day} AND metric = 'recipients_sent')`;

/** The rollup `recipients_sent` of the UTC days `[first, end)` (SQL), one primary-key range a day. */
const daysRollup = (first: string, end: string) =>
  `(WITH RECURSIVE d(day) AS (SELECT ${first} WHERE ${first} < ${end} UNION ALL SELECT day + 1 FROM d WHERE day + 1 < ${end})
    SELECT coalesce(sum(x.count), 0) FROM d JOIN email_rollups x ON x.day = d.day AND x.metric = 'recipients_sent')`;

/**
 * The rollup `recipients_sent` of the hours `[from, to)` of one UTC day (epoch ms; `to` at most the
 * day's end), from its keys by hour (org migration 0019).
 */
function hoursRollup(from: number, to: number, q: Params): string {
  const day = Math.floor(from / DAY_MS);
  const hour = (at: number) => String((at - day * DAY_MS) / HOUR_MS).padStart(2, '0');
  return `(SELECT coalesce(sum(count), 0) FROM email_rollups WHERE day = ${q.p(day)} AND metric = 'recipients_sent'
    AND key >= ${q.p(hour(from))} AND key < ${q.p(hour(to))})`;
}

/**
 * Recipients sent to in `[a, end)`, `a` inside the bucket `[start, end)` whose rollup is `rollup`
 * (SQL): its raw rows at or after `a`, unless the retention purge took some: then (the rollup
 * counts more, and no raw row of the bucket is left before `a`) the missing ones are split between
 * before `a` and after it pro rata to time, up to the oldest row kept. Exact whenever the bucket's
 * emails are kept.
 */
const partialSql = (a: string, start: string, end: string, rollup: string) =>
  `(SELECT CASE WHEN missing <= 0 OR kept_before THEN inside
            ELSE inside + CAST(round(missing * (oldest - ${a}) * 1.0 / (oldest - ${start})) AS INTEGER) END
      FROM (SELECT inside, ${rollup} - inside AS missing, coalesce(oldest, ${end}) AS oldest,
                   EXISTS (SELECT 1 FROM email_recipients WHERE sent_at >= ${start} AND sent_at < ${a}) AS kept_before
            FROM (SELECT count(*) AS inside, min(r.sent_at) AS oldest FROM email_recipients r JOIN emails e ON e.id = r.email_id
                  WHERE r.sent_at >= ${a} AND r.sent_at < ${end} AND e.${NOT_CANARY})))`;

/**
 * Recipients sent to in `[a, b)` from the days of the rollups (as before 0019, while the hour keys
 * of `a`'s hour are not kept): the whole UTC days inside from the rollups, the first day's part from raw
 * rows ({@link partialSql}), the last day's as its rollup less the raw rows sent at or after `b`
 * (none but in a test: `b` is now). Both in one UTC day: raw rows only.
 */
function dailyRecipientsSql(a: number, b: number, q: Params): string {
  const firstDay = Math.floor(a / DAY_MS);
  const lastDay = Math.floor(b / DAY_MS);
  if (firstDay >= lastDay || a >= b) return raw(q.p(a), q.p(b));
  const first =
    a === firstDay * DAY_MS
      ? dayRollup(q.p(firstDay))
      : partialSql(q.p(a), q.p(firstDay * DAY_MS), q.p((firstDay + 1) * DAY_MS), dayRollup(q.p(firstDay)));
  const last =
    b === lastDay * DAY_MS ? '0' : `max(0, ${dayRollup(q.p(lastDay))} - ${raw(q.p(b), q.p((lastDay + 1) * DAY_MS))})`;
  return `${first} + ${daysRollup(q.p(firstDay + 1), q.p(lastDay))} + ${last}`;
}

/**
 * The same from the rollups' hour keys (org migration 0019) where days do not fit: the part of `a`'s
 * hour from raw rows ({@link partialSql}), the rest of its UTC day by hour, the whole days from the
 * daily rollups, the last day (or, `a` on `b`'s day, the last hour) as its rollup less the raw rows
 * sent at or after `b`. Both in one hour: raw rows only. Rows read: days and hours, and the raw
 * rows of at most one hour.
 */
function hourlyRecipientsSql(a: number, b: number, q: Params): string {
  const aHour = Math.floor(a / HOUR_MS) * HOUR_MS;
  const bHour = Math.floor(b / HOUR_MS) * HOUR_MS;
  if (a >= b || aHour === bHour) return raw(q.p(a), q.p(b));
  const parts: string[] = [];
  const next = a === aHour ? a : aHour + HOUR_MS;
  if (a !== aHour) parts.push(partialSql(q.p(a), q.p(aHour), q.p(next), hoursRollup(aHour, next, q)));
  const bDay = Math.floor(b / DAY_MS) * DAY_MS;
  if (next >= bDay) {
    if (next < bHour) parts.push(hoursRollup(next, bHour, q));
    if (b !== bHour)
      parts.push(`max(0, ${hoursRollup(bHour, bHour + HOUR_MS, q)} - ${raw(q.p(b), q.p(bHour + HOUR_MS))})`);
  } else {
    const nextDay = Math.ceil(next / DAY_MS) * DAY_MS;
    if (next < nextDay) parts.push(hoursRollup(next, nextDay, q));
    parts.push(daysRollup(q.p(nextDay / DAY_MS), q.p(bDay / DAY_MS)));
    if (b !== bDay) parts.push(`max(0, ${dayRollup(q.p(bDay / DAY_MS))} - ${raw(q.p(b), q.p(bDay + DAY_MS))})`);
  }
  return parts.join(' + ');
}

/**
 * Recipients sent to in `[countFrom, to)` (SQL): from raw rows while the rollup backfill is
 * unfinished; from the hour keys once they are kept from the hour of `countFrom` on; from the
 * daily rollups before that (an organisation that had emails before 0019, for a window).
 */
function recipientsSql(range: { countFrom: number; to: number }, q: Params): string {
  const { countFrom: a, to: b } = range;
  return `CASE WHEN EXISTS (SELECT 1 FROM email_rollups_backfill) THEN ${raw('?2', '?3')}
    WHEN ${q.p(Math.floor(a / HOUR_MS) * HOUR_MS)} >= ${HOURS_SINCE_SQL} THEN ${hourlyRecipientsSql(a, b, q)}
    ELSE ${dailyRecipientsSql(a, b, q)} END`;
}

/**
 * Distinct addresses of kind `kind` marked in `[?2, ?3)` and not in `[?1, ?2)`: those whose first
 * mark of the window is at or after `?2`. Reads the marks from `?2` on, each address's earlier
 * ones through `email_reputation_marks_by_address` (0019).
 */
const markedSql = (kind: ReputationMarkKind) =>
  `(SELECT count(DISTINCT m.address) FROM email_reputation_marks m
     WHERE m.kind = '${kind}' AND m.sent_at >= ?2 AND m.sent_at < ?3
       AND NOT EXISTS (SELECT 1 FROM email_reputation_marks n
                       WHERE n.kind = '${kind}' AND n.address = m.address AND n.sent_at >= ?1 AND n.sent_at < ?2))`;

/**
 * Distinct addresses of kind `kind` marked at or after `a` (SQL), from the buckets of their latest
 * mark (0019): the part of `a`'s hour from the marks (the addresses whose latest mark is there),
 * the rest of its UTC day by hour, then by day. The addresses of the window when no mark is at or
 * after its end (`?3`: now). Rows read: days, hours and the marks of at most one hour.
 */
function latestMarkedSql(kind: ReputationMarkKind, a: number, q: Params): string {
  const aHour = Math.floor(a / HOUR_MS) * HOUR_MS;
  const next = a === aHour ? a : aHour + HOUR_MS;
  const nextDay = Math.ceil(next / DAY_MS) * DAY_MS;
  const parts = [
    guardRollupSumSql(guardMetric.latest(kind), HOUR_MS, q.p(next), q.p(nextDay)),
    guardRollupSumSql(guardMetric.latest(kind), DAY_MS, q.p(nextDay)),
  ];
  if (a !== aHour) {
    const end = q.p(next);
    parts.push(`(SELECT count(DISTINCT m.address) FROM email_reputation_marks m
      WHERE m.kind = '${kind}' AND m.sent_at >= ${q.p(a)} AND m.sent_at < ${end}
        AND NOT EXISTS (SELECT 1 FROM email_reputation_marks n WHERE n.kind = '${kind}' AND n.address = m.address AND n.sent_at >= ${end}))`);
  }
  return parts.join(' + ');
}

/** The same from the raw rows (while the marks are backfilled: org migration 0016). */
const rawMarkedSql = (kind: ReputationMarkKind) =>
  `(SELECT count(*) FROM (SELECT min(r.sent_at) AS first FROM email_recipients r JOIN emails e ON e.id = r.email_id
     WHERE r.sent_at >= ?1 AND r.sent_at < ?3 AND e.${NOT_CANARY} AND ${REPUTATION_MARK_SQL[kind]('r')}
     GROUP BY r.address) WHERE first >= ?2)`;

/**
 * The addresses of kind `kind` the counts judge (SQL): from raw rows while the marks are
 * backfilled; for the whole window (`countFrom` is `from`), from the buckets of their latest mark
 * once those are kept from `from` on and no mark is at or after `to`; from the marks otherwise.
 */
function addressesSql(kind: ReputationMarkKind, range: { from: number; countFrom: number }, q: Params): string {
  const latest =
    range.countFrom === range.from
      ? `WHEN ${q.p(Math.ceil(range.from / HOUR_MS) * HOUR_MS)} >= ${GUARD_ROLLUPS_SINCE_SQL}
          AND NOT EXISTS (SELECT 1 FROM email_reputation_marks WHERE kind = '${kind}' AND sent_at >= ?3)
         THEN ${latestMarkedSql(kind, range.from, q)}`
      : '';
  return `CASE WHEN EXISTS (SELECT 1 FROM email_reputation_marks_backfill) THEN ${rawMarkedSql(kind)}
    ${latest} ELSE ${markedSql(kind)} END`;
}

/**
 * The counts the verdict judges, over `[from, to)`, counted from `countFrom` (`from`, or a lift's
 * time inside the window): recipients sent to at or after `countFrom`, and distinct addresses
 * whose first permanent bounce (complaint) of the window was on a message sent at or after it. So
 * an address counts once however often it bounced or complained, and an address that already
 * counted before a lift does not count again after it. Canaries are left out.
 *
 * The recipients are read from the daily rollups (`recipients_sent`, org migration 0011) for the
 * whole UTC days and from their hour keys (0019) for the hours of the window's first and last day,
 * raw rows for the rest of an hour; the addresses from the buckets of their latest mark (0019), or
 * after a lift from the marks of 0016 since it, which outlive the emails' retention (decision
 * record docs/decisions/2026-12-07-guard-reads-rollups.md). While a backfill is unfinished, or the
 * hour keys and buckets do not reach back to the window's start, that part is counted as before. One query: the
 * statement, to run alone or in a batch; {@link recipientCountsOf} reads its one row.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function recipientCountsStatement(
  db: D1Database,
  range: { from: number; countFrom: number; to: number },
): D1PreparedStatement {
  const q = new Params([range.from, range.countFrom, range.to]);
  const sql = `SELECT ${recipientsSql(range, q)} AS recipients,
              ${addressesSql('bounced', range, q)} AS bounced, ${addressesSql('complained', range, q)} AS complained`;
  return db.prepare(sql).bind(...q.values);
}

/** The counts of {@link recipientCountsStatement}'s one row (zeros without one). */
export function recipientCountsOf(row: Partial<RecipientCounts> | undefined): RecipientCounts {
  return { recipients: row?.recipients ?? 0, bounced: row?.bounced ?? 0, complained: row?.complained ?? 0 };
}

/**
 * The trend of `[from, to)` by UTC day (every day the window touches, whole, oldest first, empty
 * days included): recipients sent to (the rollup `recipients_sent`), and distinct addresses of
 * them that bounced permanently or complained (the buckets `bounced_days`, `complained_days` of
 * org migration 0019; the marks for the days before those are kept). Costs a row a day, and a
 * row an hour of the day's recipients.
 * The statement, and {@link recipientDays} to read its rows.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function recipientCountsByDayStatement(db: D1Database, from: number, to: number): D1PreparedStatement {
  const [first, last] = utcDays(from, to);
  const kinds = MARK_KINDS.map((k) => `'${k}'`).join(', ');
  const distinct = (kind: ReputationMarkKind) => `count(DISTINCT CASE WHEN kind = '${kind}' THEN address END)`;
  const bucket = (kind: ReputationMarkKind) => `sum(CASE WHEN metric = '${guardMetric.days(kind)}' THEN count END)`;
  const metrics = MARK_KINDS.map((k) => `'${guardMetric.days(k)}'`).join(', ');
  return db
    .prepare(
      `WITH RECURSIVE d(day) AS (SELECT ?1 UNION ALL SELECT day + 1 FROM d WHERE day < ?2),
       s(since) AS (SELECT coalesce((SELECT (since + ${DAY_MS - 1}) / ${DAY_MS} * ${DAY_MS} FROM email_guard_rollups_since), ?4)),
       m AS (SELECT sent_at / ${DAY_MS} AS day, ${distinct('bounced')} AS bounced, ${distinct('complained')} AS complained
             FROM email_reputation_marks WHERE kind IN (${kinds}) AND sent_at >= ?3 AND sent_at < min(?4, (SELECT since FROM s)) GROUP BY 1),
       g AS (SELECT start / ${DAY_MS} AS day, ${bucket('bounced')} AS bounced, ${bucket('complained')} AS complained
             FROM email_guard_rollups WHERE metric IN (${metrics}) AND span = ${DAY_MS}
               AND start >= max(?3, (SELECT since FROM s)) AND start < ?4 GROUP BY 1)
       SELECT d.day, ${dayRollup('d.day')} AS recipients, coalesce(m.bounced, g.bounced, 0) AS bounced,
              coalesce(m.complained, g.complained, 0) AS complained
       FROM d LEFT JOIN m ON m.day = d.day LEFT JOIN g ON g.day = d.day ORDER BY d.day`,
    )
    .bind(first, last, first * DAY_MS, (last + 1) * DAY_MS);
}

/** The first and last UTC day numbers `[from, to)` touches. */
function utcDays(from: number, to: number): [number, number] {
  const first = Math.floor(from / DAY_MS);
  return [first, Math.max(first, Math.floor((to - 1) / DAY_MS))];
}

/** The days of `[from, to)` (see {@link recipientCountsByDayStatement}) from that statement's rows. */
export function recipientDays(
  rows: Array<{ day: number; recipients: number; bounced: number; complained: number }>,
): RecipientDay[] {
  return rows.map((row) => ({
    start: row.day * DAY_MS,
    recipients: row.recipients,
    bounced: row.bounced,
    complained: row.complained,
  }));
}
