import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { compileTrackingEffects } from './tracking-sql.js';
import type { OrgEmailStore, RecordEventInput } from '../events/ports.js';

/**
 * An organisation's email database on D1 prepared statements (schema: `migrations/org`).
 *
 * `recordEvent` is one D1 batch (one transaction): insert the event unless its SNS MessageId is
 * already there, its email row is missing or that row is bound to another SES message, then
 * UPDATE the email row and add suppressions only if that insert is this attempt's own (matched by
 * a random token). So a duplicate delivery, a concurrent duplicate, or a retry after a failure can
 * never count an event twice, and a counter is a `+ 1` in SQL, never a read-modify-write. An event
 * never binds the row to its SES message: only `markSent` does, with SES's own answer.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createD1OrgEmailStore(db: D1Database): OrgEmailStore {
  return {
    async recordEvent(input) {
      const token = crypto.randomUUID();
      const [inserted] = await db.batch([insertEvent(db, input, token), ...applyEvent(db, input, token)]);
      if (inserted?.meta.changes === 1) return 'applied';
      const found = await db
        .prepare(
          `SELECT EXISTS (SELECT 1 FROM email_events WHERE sns_message_id = ?) AS seen,
                  EXISTS (SELECT 1 FROM emails WHERE id = ? AND ses_message_id IS NOT NULL AND ses_message_id != ?) AS mismatch`,
        )
        .bind(input.event.snsMessageId, input.emailId, input.event.sesMessageId)
        .first<{ seen: number; mismatch: number }>();
      return found?.seen ? 'duplicate' : found?.mismatch ? 'email-mismatch' : 'email-missing';
    },
  };
}

/**
 * The email must exist and, if it already knows its SES message id, be that message's row. (A row
 * not bound yet is reached only through the lookup row that sendEmail wrote for this message.)
 */
const EMAIL_MATCHES = `EXISTS (SELECT 1 FROM emails WHERE id = ? AND (ses_message_id IS NULL OR ses_message_id = ?))`;
const OWN_INSERT = `EXISTS (SELECT 1 FROM email_events WHERE sns_message_id = ? AND ingest_token = ?)`;

function insertEvent(db: D1Database, { emailId, event, receivedAt }: RecordEventInput, token: string) {
  return db
    .prepare(
      `INSERT INTO email_events
         (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token)
       SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE ${EMAIL_MATCHES}
       ON CONFLICT (sns_message_id) DO NOTHING`,
    )
    .bind(
      event.snsMessageId,
      emailId,
      event.sesMessageId,
      event.eventType,
      event.occurredAt,
      event.detail,
      receivedAt,
      token,
      emailId,
      event.sesMessageId,
    );
}

function applyEvent(db: D1Database, input: RecordEventInput, token: string): D1PreparedStatement[] {
  const { sql, params } = compileTrackingEffects(input.effects);
  const sets = [sql, 'updated_at = ?'].filter(Boolean).join(', ');
  const update = db
    .prepare(`UPDATE emails SET ${sets} WHERE id = ? AND ${OWN_INSERT}`)
    .bind(...params, input.receivedAt, input.emailId, input.event.snsMessageId, token);
  const suppressions = input.suppressions.map((s) =>
    db
      .prepare(
        `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at)
         SELECT ?, ?, ?, ?, ? WHERE ${OWN_INSERT}
         ON CONFLICT (email_address) DO NOTHING`,
      )
      .bind(s.emailAddress, s.reason, s.detail, input.emailId, input.receivedAt, input.event.snsMessageId, token),
  );
  return [update, ...suppressions];
}
