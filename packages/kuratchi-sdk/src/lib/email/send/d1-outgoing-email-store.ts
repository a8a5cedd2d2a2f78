import type { D1Database } from '@cloudflare/workers-types';
import { MessageBindingError } from '../routing/errors.js';
import { recipientAddress } from '../ses-events/recipient-effects.js';
import type { EmailStatus, RecipientEffect, TrackingEffect } from '../model.js';
import { RECIPIENT_COLUMNS } from '../routing/columns.js';
import { compileTrackingEffects } from '../routing/tracking-sql.js';
import type { NewEmailRow, OutgoingEmailStore } from './ports.js';

/**
 * The organisation's `emails` table as `sendEmail` writes it, on D1 prepared statements.
 * `markSent` and `markFailed` go through the same effect compiler as SES events, so an event that
 * reached the row first (through the route) is never undone: the status only rises and
 * `sentAt` / `failedAt` keep the earliest time. `markSent` is the only writer of a row's SES
 * message id, and it refuses (reports) a row bound to another message. The email's recipients
 * (`email_recipients`) are written with the row and follow it: sent, or failed; its tags
 * (`email_tags`) are written with it.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1OutgoingEmailStore(db: D1Database): OutgoingEmailStore {
  return {
    async insertPending(row) {
      await db.batch([
        db
          .prepare(
            `INSERT INTO emails (id, recipient, sender, subject, email_type, status, user_id, metadata, created_at, updated_at, canary)
             VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
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
            row.canary ? 1 : 0,
          ),
        // One row per distinct address; an address listed twice (To and BCC) keeps its first kind.
        db
          .prepare(
            `INSERT INTO email_recipients (email_id, address, kind)
             SELECT ?, json_extract(value, '$.address'), json_extract(value, '$.kind') FROM json_each(?) WHERE true
             ON CONFLICT (email_id, address) DO NOTHING`,
          )
          .bind(row.id, JSON.stringify(recipientsOf(row))),
        // One row per tag (json_each of an object: its keys and values).
        db
          .prepare(
            `INSERT INTO email_tags (email_id, tag_name, tag_value, email_created_at)
             SELECT ?, key, value, ? FROM json_each(?) WHERE true`,
          )
          .bind(row.id, row.createdAt, JSON.stringify(row.tags ?? {})),
      ]);
    },

    async markSent(emailId, sesMessageId, at) {
      const { sql, params } = compileTrackingEffects(sentEffects<TrackingEffect>(at));
      const update = db
        .prepare(
          `UPDATE emails SET ${sql}, ses_message_id = ?, updated_at = ?
           WHERE id = ? AND (ses_message_id IS NULL OR ses_message_id = ?)`,
        )
        .bind(...params, sesMessageId, at, emailId, sesMessageId);
      // The recipients follow only an email that this message is bound to.
      const recipients = updateRecipients(
        db,
        emailId,
        sentEffects<RecipientEffect>(at),
        `EXISTS (SELECT 1 FROM emails WHERE id = ? AND ses_message_id = ?)`,
        [emailId, sesMessageId],
      );
      const [updated] = await db.batch([update, recipients]);
      if (updated?.meta.changes === 1) return;
      const row = await db
        .prepare('SELECT ses_message_id AS bound FROM emails WHERE id = ?')
        .bind(emailId)
        .first<{ bound: string | null }>();
      if (!row) throw new MessageBindingError('email-missing', emailId, sesMessageId, null);
      if (row.bound !== null && row.bound !== sesMessageId) {
        throw new MessageBindingError('email-bound-to-other-message', emailId, sesMessageId, row.bound);
      }
      // The row appeared (or was bound to this very message) between the two statements.
      await db.batch([update, recipients]);
    },

    async markFailed(emailId, error, at) {
      const failed: EmailStatus = 'failed';
      const { sql, params } = compileTrackingEffects([
        { kind: 'raise-status', status: failed },
        { kind: 'earliest', at: 'failedAt', time: at },
      ]);
      await db.batch([
        db
          .prepare(`UPDATE emails SET ${sql}, error = ?, updated_at = ? WHERE id = ?`)
          .bind(...params, error, at, emailId),
        updateRecipients(db, emailId, [{ kind: 'raise-status', status: failed }], 'true', []),
      ]);
    },
  };
}

/** The effects of SES accepting the message, on the email row or on a recipient row. */
function sentEffects<Effect extends TrackingEffect | RecipientEffect>(at: number): Effect[] {
  return [
    { kind: 'raise-status', status: 'sent' },
    { kind: 'earliest', at: 'sentAt', time: at },
  ] as Effect[];
}

/** Applies recipient effects to every recipient of the email, when `guard` holds. */
function updateRecipients(
  db: D1Database,
  emailId: string,
  effects: RecipientEffect[],
  guard: string,
  guardParams: unknown[],
) {
  const { sql, params } = compileTrackingEffects(effects, RECIPIENT_COLUMNS);
  return db
    .prepare(`UPDATE email_recipients SET ${sql} WHERE email_id = ? AND ${guard}`)
    .bind(...params, emailId, ...guardParams);
}

/** The recipient rows of a new email: its own list, or the addresses of `recipient` as To. */
function recipientsOf(row: NewEmailRow) {
  const listed = row.recipients ?? row.recipient.split(',').map((address) => ({ address, kind: 'to' as const }));
  return listed
    .map(({ address, kind }) => ({ address: recipientAddress(address), kind }))
    .filter(({ address }) => address !== '');
}
