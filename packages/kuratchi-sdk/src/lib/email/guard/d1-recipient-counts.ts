import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';
import type { RecipientCounts } from './verdict.js';

const DAY_MS = 86_400_000;
/** A recipient row that bounced permanently (a bounce of unknown type counts: SES's are Permanent or not). */
const BOUNCED = `r.bounced_at IS NOT NULL AND coalesce(r.bounce_type, 'Permanent') = 'Permanent'`;

/** Recipients sent to in one day of a window, and how many distinct addresses of them bounced permanently or complained. */
export interface RecipientDay {
  /** Start of the day (epoch ms): days are counted back from the window's end, not UTC midnights. */
  start: number;
  recipients: number;
  bounced: number;
  complained: number;
}

/**
 * Per-recipient counts of an organisation's recipients sent to in `[from, to)`, by day counted
 * from `from` (the last day may be shorter), oldest first, empty days included: recipients sent
 * to, and distinct addresses of them that bounced or complained that day. A recipient counts as
 * bounced for a Permanent bounce only (SES's bounce rate counts hard bounces), as complained for
 * any complaint; canary emails (`emails.canary = 1`, the mailbox-simulator canary) are left out.
 * One query on the `email_recipients_by_sent` index: the statement, to run alone or in a batch
 * with others, and {@link recipientDays} to read its rows.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html (mailbox simulator)
 */
export function recipientCountsByDayStatement(db: D1Database, from: number, to: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT CAST((r.sent_at - ?1) / ${DAY_MS} AS INTEGER) AS dayIndex, count(*) AS recipients,
              count(DISTINCT CASE WHEN ${BOUNCED} THEN r.address END) AS bounced,
              count(DISTINCT CASE WHEN r.complained_at IS NOT NULL THEN r.address END) AS complained
       FROM email_recipients r JOIN emails e ON e.id = r.email_id
       WHERE r.sent_at >= ?1 AND r.sent_at < ?2 AND e.${notCanarySql('emails')}
       GROUP BY dayIndex`,
    )
    .bind(from, to);
}

/** The days of `[from, to)` (see {@link recipientCountsByDayStatement}) from that statement's rows. */
export function recipientDays(
  rows: Array<{ dayIndex: number; recipients: number; bounced: number; complained: number }>,
  from: number,
  to: number,
): RecipientDay[] {
  const days: RecipientDay[] = Array.from({ length: Math.max(1, Math.ceil((to - from) / DAY_MS)) }, (_, i) => ({
    start: from + i * DAY_MS,
    recipients: 0,
    bounced: 0,
    complained: 0,
  }));
  for (const row of rows) {
    const day = days[row.dayIndex];
    if (day) Object.assign(day, { recipients: row.recipients, bounced: row.bounced, complained: row.complained });
  }
  return days;
}

/**
 * The counts the verdict judges, over `[from, to)`, counted from `countFrom` (`from`, or a lift's
 * time inside the window): recipients sent to at or after `countFrom`, and distinct addresses
 * whose first permanent bounce (complaint) of the window was on a message sent at or after it. So
 * an address counts once however often it bounced or complained, and an address that already
 * counted before a lift does not count again after it. Canaries are left out. One query: the
 * `email_recipients_by_sent` index serves the range; the distinct addresses are grouped in SQL.
 * The statement, to run alone or in a batch; {@link recipientCountsOf} reads its one row.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function recipientCountsStatement(
  db: D1Database,
  range: { from: number; countFrom: number; to: number },
): D1PreparedStatement {
  return db
    .prepare(
      `WITH sent AS (
         SELECT r.address, r.sent_at, ${BOUNCED} AS bounced, r.complained_at IS NOT NULL AS complained
         FROM email_recipients r JOIN emails e ON e.id = r.email_id
         WHERE r.sent_at >= ?1 AND r.sent_at < ?3 AND e.${notCanarySql('emails')}
       )
       SELECT (SELECT count(*) FROM sent WHERE sent_at >= ?2) AS recipients,
              (SELECT count(*) FROM (SELECT min(sent_at) AS first FROM sent WHERE bounced GROUP BY address)
                WHERE first >= ?2) AS bounced,
              (SELECT count(*) FROM (SELECT min(sent_at) AS first FROM sent WHERE complained GROUP BY address)
                WHERE first >= ?2) AS complained`,
    )
    .bind(range.from, range.countFrom, range.to);
}

/** The counts of {@link recipientCountsStatement}'s one row (zeros without one). */
export function recipientCountsOf(row: Partial<RecipientCounts> | undefined): RecipientCounts {
  return { recipients: row?.recipients ?? 0, bounced: row?.bounced ?? 0, complained: row?.complained ?? 0 };
}
