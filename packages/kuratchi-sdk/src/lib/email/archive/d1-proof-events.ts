import type { D1Database } from '@cloudflare/workers-types';
import type { ProofEventInput } from './proof-bundle.js';

/**
 * The recorded events of one email with the raw archive's key of each (`archive_key`, NULL for
 * an event recorded before the archive was bound, or that came other than by SNS), in timeline
 * order: what `buildProofBundle` needs.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listProofEvents(db: D1Database, emailId: string): Promise<ProofEventInput[]> {
  const { results } = await db
    .prepare(
      `SELECT sns_message_id AS snsMessageId, event_type AS eventType, occurred_at AS occurredAt,
              archive_key AS archiveKey
       FROM email_events WHERE email_id = ? ORDER BY occurred_at, received_at, sns_message_id`,
    )
    .bind(emailId)
    .all<ProofEventInput>();
  return results;
}
