import type { D1Database } from '@cloudflare/workers-types';
import type { DeadLetter, DeadLetterReason, DeadLetterStore, DroppedDeadLetters } from './ports.js';
import { withProvenance } from './provenance-columns.js';
import { ROUTED_ORGANIZATION } from './d1-park-store.js';

const COLUMNS = `sns_message_id AS snsMessageId, ses_message_id AS sesMessageId, message, reason,
  first_seen_at AS firstSeenAt, dead_lettered_at AS deadLetteredAt, replay_attempts AS replayAttempts,
  last_replay_at AS lastReplayAt, source, archive_key AS archiveKey`;

/**
 * The dead-letter table of the admin database (`email_event_dead_letters`, schema:
 * `migrations/admin`) on D1 prepared statements: read in pages by SNS MessageId, counted with a
 * bound (the deployment's, or an organisation's: a dead letter is attributed to the organisation
 * of its route as it is written or replayed), emptied by a replay that applied (or found
 * recorded) the event, and of dead letters of no known organisation by the sweep's drop, which
 * keeps their tally (`dropped_dead_letters`), as it does for any dead letter past its time.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1DeadLetterStore(db: D1Database): DeadLetterStore {
  return {
    async list({ limit, after, reason, sesMessageId }) {
      const { results } = await db
        .prepare(
          `SELECT ${COLUMNS} FROM email_event_dead_letters
           WHERE sns_message_id > ? AND (? IS NULL OR reason = ?) AND (? IS NULL OR ses_message_id = ?)
           ORDER BY sns_message_id LIMIT ?`,
        )
        .bind(after ?? '', reason ?? null, reason ?? null, sesMessageId ?? null, sesMessageId ?? null, limit)
        .all<DeadLetter>();
      return results.map(withProvenance);
    },

    async countByReason(bound, organizationId) {
      // An organisation's rows through its index: at most `bound` rows read either way.
      const where =
        organizationId === undefined
          ? ''
          : organizationId === null
            ? 'WHERE organization_id IS NULL'
            : 'WHERE organization_id = ?2';
      const count = `SELECT reason, count(*) AS n FROM (SELECT reason FROM email_event_dead_letters
        ${where} LIMIT ?1) GROUP BY reason`;
      const { results } = await db
        .prepare(count)
        .bind(...(typeof organizationId === 'string' ? [bound, organizationId] : [bound]))
        .all<{ reason: DeadLetterReason; n: number }>();
      return Object.fromEntries(results.map((r) => [r.reason, r.n]));
    },

    async delete(snsMessageId) {
      await db.prepare('DELETE FROM email_event_dead_letters WHERE sns_message_id = ?').bind(snsMessageId).run();
    },

    async addDeadLetters(letters) {
      if (letters.length === 0) return;
      await db.batch(
        letters.map((l) =>
          db
            .prepare(
              `INSERT INTO email_event_dead_letters
                 (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at, source, archive_key,
                  organization_id)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ${ROUTED_ORGANIZATION('?2')}) ON CONFLICT (sns_message_id) DO NOTHING`,
            )
            .bind(
              l.snsMessageId,
              l.sesMessageId,
              l.message,
              l.reason,
              l.firstSeenAt,
              l.deadLetteredAt,
              l.source ?? null,
              l.archiveKey ?? null,
            ),
        ),
      );
    },

    dropUnrouted(cutoff, limit, now) {
      return drop(
        db,
        `SELECT d.sns_message_id FROM email_event_dead_letters d
         WHERE d.organization_id IS NULL AND d.dead_lettered_at < ?1
           AND NOT EXISTS (SELECT 1 FROM email_message_lookup l WHERE l.ses_message_id = d.ses_message_id)
         ORDER BY d.dead_lettered_at, d.sns_message_id LIMIT ?2`,
        cutoff,
        limit,
        now,
      );
    },

    dropExpired(cutoff, limit, now) {
      return drop(
        db,
        `SELECT sns_message_id FROM email_event_dead_letters WHERE dead_lettered_at < ?1
         ORDER BY dead_lettered_at, sns_message_id LIMIT ?2`,
        cutoff,
        limit,
        now,
      );
    },

    async droppedTally(sinceDay) {
      const { results } = await db
        .prepare('SELECT day, reason, dropped FROM dropped_dead_letters WHERE day >= ? ORDER BY day, reason')
        .bind(sinceDay)
        .all<DroppedDeadLetters>();
      return results;
    },

    async noteReplayAttempt(snsMessageId, reason, at) {
      await db
        .prepare(
          `UPDATE email_event_dead_letters SET reason = ?, replay_attempts = replay_attempts + 1, last_replay_at = ?,
             organization_id = coalesce(${ROUTED_ORGANIZATION('email_event_dead_letters.ses_message_id')}, organization_id)
           WHERE sns_message_id = ?`,
        )
        .bind(reason, at, snsMessageId)
        .run();
    },
  };
}

/**
 * Drops a page of dead letters (`page`: their SNS MessageIds, bound to ?1 the cutoff and ?2 the
 * limit), adding each to the tally per UTC day first seen and reason, in one atomic batch: both
 * statements pick the same page in one transaction. Returns how many were dropped.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
async function drop(db: D1Database, page: string, cutoff: number, limit: number, now: number): Promise<number> {
  const [, dropped] = await db.batch([
    db
      .prepare(
        `INSERT INTO dropped_dead_letters (day, reason, dropped, last_dropped_at)
         SELECT date(first_seen_at / 1000, 'unixepoch'), reason, count(*), ?3
         FROM email_event_dead_letters WHERE sns_message_id IN (${page}) GROUP BY 1, 2
         ON CONFLICT (day, reason) DO UPDATE SET dropped = dropped + excluded.dropped,
           last_dropped_at = excluded.last_dropped_at`,
      )
      .bind(cutoff, limit, now),
    db.prepare(`DELETE FROM email_event_dead_letters WHERE sns_message_id IN (${page})`).bind(cutoff, limit),
  ]);
  return dropped?.meta.changes ?? 0;
}
