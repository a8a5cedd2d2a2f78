import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';
import { REPUTATION_MARK_SQL, type ReputationMarkKind } from '../shared/reputation-marks-sql.js';
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

/** Non-canary recipients of the raw rows sent in `[from, to)` (SQL bounds), through `email_recipients_by_sent`. */
const raw = (from: string, to: string) =>
  `(SELECT count(*) FROM email_recipients r JOIN emails e ON e.id = r.email_id
    WHERE r.sent_at >= ${from} AND r.sent_at < ${to} AND e.${NOT_CANARY})`;

/** The rollup `recipients_sent` of UTC day `day` (SQL), 0 without a row. */
const dayRollup = (day: string) =>
  `coalesce((SELECT count FROM email_rollups WHERE day = ${day} AND metric = 'recipients_sent' AND key = ''), 0)`;

/** The rollup `recipients_sent` of the UTC days `[first, end)` (SQL), one primary-key lookup a day. */
const daysRollup = (first: string, end: string) =>
  `(WITH RECURSIVE d(day) AS (SELECT ${first} WHERE ${first} < ${end} UNION ALL SELECT day + 1 FROM d WHERE day + 1 < ${end})
    SELECT coalesce(sum(x.count), 0) FROM d JOIN email_rollups x ON x.day = d.day AND x.metric = 'recipients_sent' AND x.key = '')`;

/**
 * Recipients sent to in `[a, b)`, as SQL over the parameters `?2` (a) and `?3` (b) and the day
 * bounds bound after them (`?4`…): the whole UTC days inside from the rollups, the edges from raw
 * rows. The last day's edge is its rollup less the raw rows sent at or after `b` (none but in a
 * test: `b` is now). The first day's is its raw rows at or after `a`, unless the retention purge
 * took some: then (its rollup counts more, and no raw row of that day is left before `a`) the
 * missing ones are split between before `a` and after it pro rata to time, up to the oldest row
 * kept. Exact whenever the emails of the first day are kept (retention ≥ the window).
 */
function recipientsSql(range: { countFrom: number; to: number }): { sql: string; days: number[] } {
  const { countFrom: a, to: b } = range;
  const firstDay = Math.floor(a / DAY_MS);
  const lastDay = Math.floor(b / DAY_MS);
  // Both in one UTC day: raw rows only (the short window, a recent lift); an empty range: none.
  if (firstDay >= lastDay || a >= b) return { sql: raw('?2', '?3'), days: [] };
  // ?4 first day, ?5 its start, ?6 its end, ?7 last day, ?8 the end of the last day.
  const days = [firstDay, firstDay * DAY_MS, (firstDay + 1) * DAY_MS, lastDay, (lastDay + 1) * DAY_MS];
  const aligned = a === firstDay * DAY_MS;
  const first = aligned
    ? dayRollup('?4')
    : `(SELECT CASE WHEN missing <= 0 OR kept_before THEN inside
              ELSE inside + CAST(round(missing * (oldest - ?2) * 1.0 / (oldest - ?5)) AS INTEGER) END
        FROM (SELECT inside, ${dayRollup('?4')} - inside AS missing, coalesce(oldest, ?6) AS oldest,
                     EXISTS (SELECT 1 FROM email_recipients WHERE sent_at >= ?5 AND sent_at < ?2) AS kept_before
              FROM (SELECT count(*) AS inside, min(r.sent_at) AS oldest FROM email_recipients r JOIN emails e ON e.id = r.email_id
                    WHERE r.sent_at >= ?2 AND r.sent_at < ?6 AND e.${NOT_CANARY})))`;
  const whole = `${first} + ${daysRollup('?4 + 1', '?7')}`;
  const last = b === lastDay * DAY_MS ? '0' : `max(0, ${dayRollup('?7')} - ${raw('?3', '?8')})`;
  return { sql: `${whole} + ${last}`, days };
}

/** Distinct addresses of kind `kind` whose first mark in `[?1, ?3)` is at or after `?2`, from the marks. */
const markedSql = (kind: ReputationMarkKind) =>
  `(SELECT count(*) FROM (SELECT min(sent_at) AS first FROM email_reputation_marks
     WHERE kind = '${kind}' AND sent_at >= ?1 AND sent_at < ?3 GROUP BY address) WHERE first >= ?2)`;

/** The same from the raw rows (while the marks are backfilled: org migration 0016). */
const rawMarkedSql = (kind: ReputationMarkKind) =>
  `(SELECT count(*) FROM (SELECT min(r.sent_at) AS first FROM email_recipients r JOIN emails e ON e.id = r.email_id
     WHERE r.sent_at >= ?1 AND r.sent_at < ?3 AND e.${NOT_CANARY} AND ${REPUTATION_MARK_SQL[kind]('r')}
     GROUP BY r.address) WHERE first >= ?2)`;

/**
 * The counts the verdict judges, over `[from, to)`, counted from `countFrom` (`from`, or a lift's
 * time inside the window): recipients sent to at or after `countFrom`, and distinct addresses
 * whose first permanent bounce (complaint) of the window was on a message sent at or after it. So
 * an address counts once however often it bounced or complained, and an address that already
 * counted before a lift does not count again after it. Canaries are left out.
 *
 * The recipients are read from the daily rollups (`recipients_sent`, org migration 0011) for the
 * whole UTC days, from raw rows at the edges (see the decision record
 * docs/decisions/2026-12-07-guard-reads-rollups.md); the addresses from the marks of org
 * migration 0016, which outlive the emails' retention. While a backfill of either is unfinished,
 * that part is counted from the raw rows as before. One query: the statement, to run alone or in
 * a batch; {@link recipientCountsOf} reads its one row.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function recipientCountsStatement(
  db: D1Database,
  range: { from: number; countFrom: number; to: number },
): D1PreparedStatement {
  const recipients = recipientsSql(range);
  const counted = (kind: ReputationMarkKind) =>
    `CASE WHEN EXISTS (SELECT 1 FROM email_reputation_marks_backfill) THEN ${rawMarkedSql(kind)} ELSE ${markedSql(kind)} END`;
  const sql = `SELECT CASE WHEN EXISTS (SELECT 1 FROM email_rollups_backfill) THEN ${raw('?2', '?3')} ELSE ${recipients.sql} END AS recipients,
              ${counted('bounced')} AS bounced, ${counted('complained')} AS complained`;
  return db.prepare(sql).bind(...boundParameters(sql, [range.from, range.countFrom, range.to, ...recipients.days]));
}

/** The values of `?1`… that `sql` names (a statement takes as many as its highest `?N`). */
function boundParameters(sql: string, values: number[]): number[] {
  const highest = Math.max(...[...sql.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
  return values.slice(0, highest);
}

/** The counts of {@link recipientCountsStatement}'s one row (zeros without one). */
export function recipientCountsOf(row: Partial<RecipientCounts> | undefined): RecipientCounts {
  return { recipients: row?.recipients ?? 0, bounced: row?.bounced ?? 0, complained: row?.complained ?? 0 };
}

/**
 * The trend of `[from, to)` by UTC day (every day the window touches, whole, oldest first, empty
 * days included): recipients sent to (the rollup `recipients_sent`), and distinct addresses of
 * them that bounced permanently or complained (the marks). Costs a row a day and a row a mark.
 * The statement, and {@link recipientDays} to read its rows.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function recipientCountsByDayStatement(db: D1Database, from: number, to: number): D1PreparedStatement {
  const [first, last] = utcDays(from, to);
  const kinds = MARK_KINDS.map((k) => `'${k}'`).join(', ');
  const distinct = (kind: ReputationMarkKind) => `count(DISTINCT CASE WHEN kind = '${kind}' THEN address END)`;
  return db
    .prepare(
      `WITH RECURSIVE d(day) AS (SELECT ?1 UNION ALL SELECT day + 1 FROM d WHERE day < ?2),
       m AS (SELECT sent_at / ${DAY_MS} AS day, ${distinct('bounced')} AS bounced, ${distinct('complained')} AS complained
             FROM email_reputation_marks WHERE kind IN (${kinds}) AND sent_at >= ?3 AND sent_at < ?4 GROUP BY 1)
       SELECT d.day, coalesce(x.count, 0) AS recipients, coalesce(m.bounced, 0) AS bounced, coalesce(m.complained, 0) AS complained
       FROM d LEFT JOIN email_rollups x ON x.day = d.day AND x.metric = 'recipients_sent' AND x.key = ''
       LEFT JOIN m ON m.day = d.day ORDER BY d.day`,
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
