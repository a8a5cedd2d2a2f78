import type { D1Database } from '@cloudflare/workers-types';
import { MessageBindingError } from './errors.js';
import { compileTrackingEffects } from './tracking-sql.js';
import type { OutgoingEmailStore } from './types.js';

/**
 * The organisation's `emails` table as `sendEmail` writes it, on D1 prepared statements.
 * `markSent` and `markFailed` go through the same effect compiler as SES events, so an event that
 * reached the row first (through the lookup row) is never undone: the status only rises and
 * `sentAt` / `failedAt` keep the earliest time. `markSent` is the only writer of a row's SES
 * message id, and it refuses (reports) a row bound to another message.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1OutgoingEmailStore(db: D1Database): OutgoingEmailStore {
  return {
    async insertPending(row) {
      await db
        .prepare(
          `INSERT INTO emails (id, recipient, sender, subject, email_type, status, user_id, metadata, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
        )
        .bind(
          row.id,
          row.recipient,
          row.sender,
          row.subject,
          row.emailType,
          row.userId,
          row.metadata === null ? null : JSON.stringify(row.metadata),
          row.createdAt,
          row.createdAt,
        )
        .run();
    },

    async markSent(emailId, sesMessageId, at) {
      const { sql, params } = compileTrackingEffects([
        { kind: 'raise-status', status: 'sent' },
        { kind: 'earliest', at: 'sentAt', time: at },
      ]);
      const update = db
        .prepare(
          `UPDATE emails SET ${sql}, ses_message_id = ?, updated_at = ?
           WHERE id = ? AND (ses_message_id IS NULL OR ses_message_id = ?)`,
        )
        .bind(...params, sesMessageId, at, emailId, sesMessageId);
      if ((await update.run()).meta.changes === 1) return;
      const row = await db
        .prepare('SELECT ses_message_id AS bound FROM emails WHERE id = ?')
        .bind(emailId)
        .first<{ bound: string | null }>();
      if (!row) throw new MessageBindingError('email-missing', emailId, sesMessageId, null);
      if (row.bound !== null && row.bound !== sesMessageId) {
        throw new MessageBindingError('email-bound-to-other-message', emailId, sesMessageId, row.bound);
      }
      // The row appeared (or was bound to this very message) between the two statements.
      await update.run();
    },

    async markFailed(emailId, error, at) {
      const { sql, params } = compileTrackingEffects([
        { kind: 'raise-status', status: 'failed' },
        { kind: 'earliest', at: 'failedAt', time: at },
      ]);
      await db
        .prepare(`UPDATE emails SET ${sql}, error = ?, updated_at = ? WHERE id = ?`)
        .bind(...params, error, at, emailId)
        .run();
    },
  };
}
