import type { D1Database } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';

const DAY_MS = 86_400_000;

/** Recipients sent to in one day of a window, and how many of them bounced permanently or complained. */
export interface RecipientDay {
  /** Start of the day (epoch ms): days are counted back from the window's end, not UTC midnights. */
  start: number;
  recipients: number;
  bounced: number;
  complained: number;
}

/**
 * Per-recipient counts of an organisation's recipients sent to in `[from, to)`, by day counted
 * from `from` (the last day may be shorter), oldest first, empty days included. A recipient counts
 * as bounced for a Permanent bounce only (SES's bounce rate counts hard bounces), as complained for
 * any complaint; canary emails (`emails.canary = 1`, the mailbox-simulator canary) are left out.
 * One query on the `email_recipients_by_sent` index.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html (mailbox simulator)
 */
export async function recipientCountsByDay(db: D1Database, from: number, to: number): Promise<RecipientDay[]> {
  const { results } = await db
    .prepare(
      `SELECT CAST((r.sent_at - ?1) / ${DAY_MS} AS INTEGER) AS dayIndex, count(*) AS recipients,
              sum(CASE WHEN r.bounced_at IS NOT NULL AND coalesce(r.bounce_type, 'Permanent') = 'Permanent' THEN 1 ELSE 0 END) AS bounced,
              sum(CASE WHEN r.complained_at IS NOT NULL THEN 1 ELSE 0 END) AS complained
       FROM email_recipients r JOIN emails e ON e.id = r.email_id
       WHERE r.sent_at >= ?1 AND r.sent_at < ?2 AND e.${notCanarySql('emails')}
       GROUP BY dayIndex`,
    )
    .bind(from, to)
    .all<{ dayIndex: number; recipients: number; bounced: number; complained: number }>();
  const days: RecipientDay[] = Array.from({ length: Math.max(1, Math.ceil((to - from) / DAY_MS)) }, (_, i) => ({
    start: from + i * DAY_MS,
    recipients: 0,
    bounced: 0,
    complained: 0,
  }));
  for (const row of results) {
    const day = days[row.dayIndex];
    if (day) Object.assign(day, { recipients: row.recipients, bounced: row.bounced, complained: row.complained });
  }
  return days;
}
