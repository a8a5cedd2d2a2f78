import type { D1Database } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';

/** Most candidates one query lists (one reconciliation run asks SES at most once a second). */
export const MAX_RECONCILE_PAGE = 500;

/** What {@link ReconcileStore.candidates} lists: an email with no outcome yet. */
export interface ReconcileCandidate {
  emailId: string;
  sesMessageId: string;
  sender: string;
  /** When `sendEmail` wrote the row (epoch ms): the keyset order, with the id. */
  createdAt: number;
  /** Its recipients as `email_recipients` holds them (To, CC, BCC; lower-cased). */
  recipients: string[];
  /**
   * SES's `mail.timestamp` (epoch ms) as a recorded event of the email carried it (the Send
   * event, usually), or null when none was recorded.
   */
  mailTimestamp: number | null;
  /** When it was first asked about (epoch ms), or null: never. */
  firstAskedAt: number | null;
}

/** The window and page of {@link ReconcileStore.candidates}. */
export interface ReconcileCandidateQuery {
  /** Only emails created at or after this (epoch ms): the API's look-back. */
  createdFrom: number;
  /** Only emails created before this (epoch ms): "sent more than N hours ago". */
  createdBefore: number;
  /** Only emails never asked about, or whose `next_ask_at` is at or before this (epoch ms). */
  dueAt: number;
  /** Keyset cursor: continue after this (created_at, id), as {@link reconcileCursor} wrote it. */
  after?: { createdAt: number; emailId: string } | undefined;
  /** At most this many (1…{@link MAX_RECONCILE_PAGE}). */
  limit: number;
}

/** What was asked about one email, and when to ask again (null: never). */
export interface ReconcileAsk {
  emailId: string;
  askedAt: number;
  nextAskAt: number | null;
  result: 'learned' | 'nothing-yet' | 'not-found' | 'multi-recipient' | 'gave-up';
}

/** The reconciliation state of an organisation's database (org migration 0006). */
export interface ReconcileStore {
  /**
   * Emails with an SES message id, created in the window, with no outcome for any recipient (no
   * Delivery, Bounce, Reject, Complaint, DeliveryDelay or Rendering Failure: every one of those
   * sets its time on the email row), due to be asked, in (created_at, id) order.
   */
  candidates(query: ReconcileCandidateQuery): Promise<ReconcileCandidate[]>;
  /** Remembers what was asked (one D1 batch): first time, last time, count, next time, result. */
  recordAsks(asks: readonly ReconcileAsk[]): Promise<void>;
}

interface CandidateRow {
  id: string;
  ses_message_id: string;
  sender: string;
  created_at: number;
  recipients: string;
  mail_timestamp: number | null;
  first_asked_at: number | null;
}

/**
 * The {@link ReconcileStore} of one organisation's D1 database: prepared statements, one query
 * per page (the `emails_by_created` index walks the window; canary emails are left out, they are
 * the canary's to judge), one batch for the asks.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createD1ReconcileStore(db: D1Database): ReconcileStore {
  return {
    async candidates(query) {
      const limit = Math.min(Math.max(1, Math.trunc(query.limit)), MAX_RECONCILE_PAGE);
      const after = query.after ?? { createdAt: -1, emailId: '' };
      const { results } = await db
        .prepare(
          `SELECT e.id, e.ses_message_id, e.sender, e.created_at,
                  (SELECT json_group_array(r.address) FROM email_recipients r WHERE r.email_id = e.id) AS recipients,
                  (SELECT min(ev.mail_timestamp) FROM email_events ev WHERE ev.email_id = e.id) AS mail_timestamp,
                  c.first_asked_at
           FROM emails e LEFT JOIN email_reconciliation c ON c.email_id = e.id
           WHERE e.created_at >= ?1 AND e.created_at < ?2
             AND (e.created_at > ?3 OR (e.created_at = ?3 AND e.id > ?4))
             AND e.ses_message_id IS NOT NULL AND e.${notCanarySql('emails')}
             AND e.delivered_at IS NULL AND e.bounced_at IS NULL AND e.rejected_at IS NULL
             AND e.complained_at IS NULL AND e.delayed_at IS NULL AND e.failed_at IS NULL
             AND (c.email_id IS NULL OR (c.next_ask_at IS NOT NULL AND c.next_ask_at <= ?5))
           ORDER BY e.created_at, e.id
           LIMIT ?6`,
        )
        .bind(query.createdFrom, query.createdBefore, after.createdAt, after.emailId, query.dueAt, limit)
        .all<CandidateRow>();
      return results.map((row) => ({
        emailId: row.id,
        sesMessageId: row.ses_message_id,
        sender: row.sender,
        createdAt: row.created_at,
        recipients: (JSON.parse(row.recipients) as string[]).sort(),
        mailTimestamp: row.mail_timestamp,
        firstAskedAt: row.first_asked_at,
      }));
    },
    async recordAsks(asks) {
      if (!asks.length) return;
      await db.batch(
        asks.map((ask) =>
          db
            .prepare(
              `INSERT INTO email_reconciliation (email_id, first_asked_at, last_asked_at, asks, next_ask_at, last_result)
               VALUES (?1, ?2, ?2, 1, ?3, ?4)
               ON CONFLICT (email_id) DO UPDATE SET
                 last_asked_at = excluded.last_asked_at, asks = asks + 1,
                 next_ask_at = excluded.next_ask_at, last_result = excluded.last_result`,
            )
            .bind(ask.emailId, ask.askedAt, ask.nextAskAt, ask.result),
        ),
      );
    },
  };
}

/** The keyset cursor of a candidate, as the operations API hands it out: `<created_at>:<id>`. */
export function reconcileCursor(candidate: { createdAt: number; emailId: string }): string {
  return `${candidate.createdAt}:${candidate.emailId}`;
}

/** Reads a {@link reconcileCursor}; undefined when it is not one. */
export function parseReconcileCursor(text: string): { createdAt: number; emailId: string } | undefined {
  const match = /^(\d{1,16}):(.+)$/.exec(text);
  return match ? { createdAt: Number(match[1]), emailId: match[2]! } : undefined;
}
