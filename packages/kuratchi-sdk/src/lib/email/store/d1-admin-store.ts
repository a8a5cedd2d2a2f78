import type { D1Database } from '@cloudflare/workers-types';
import { createD1ParkStore } from './d1-park-store.js';
import { MessageBindingError } from './errors.js';
import type { AdminStore, IngestionCounter, MessageRoute } from '../events/ports.js';

/**
 * The admin database on D1 prepared statements (schema: `migrations/admin`); the park's
 * statements are in `d1-park-store.ts`.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1AdminStore(db: D1Database): AdminStore {
  return {
    ...createD1ParkStore(db),

    async findMessageRoute(sesMessageId) {
      return db
        .prepare(
          'SELECT organization_id AS organizationId, email_id AS emailId FROM email_message_lookup WHERE ses_message_id = ?',
        )
        .bind(sesMessageId)
        .first<MessageRoute>();
    },

    async putMessageRoute(sesMessageId, route, now) {
      // One statement: insert, or leave the existing row as it is; either way RETURNING gives the
      // row as stored, so a route to another email is reported, never silently kept.
      const stored = await db
        .prepare(
          `INSERT INTO email_message_lookup (ses_message_id, organization_id, email_id, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (ses_message_id) DO UPDATE SET created_at = email_message_lookup.created_at
           RETURNING organization_id AS organizationId, email_id AS emailId`,
        )
        .bind(sesMessageId, route.organizationId, route.emailId, now)
        .first<MessageRoute>();
      if (stored && (stored.organizationId !== route.organizationId || stored.emailId !== route.emailId)) {
        throw new MessageBindingError(
          'message-routed-to-other-email',
          route.emailId,
          sesMessageId,
          `${stored.organizationId}/${stored.emailId}`,
        );
      }
    },

    async recordSubscriptionMessage(record) {
      await db
        .prepare(
          `INSERT INTO sns_subscription_messages
             (sns_message_id, type, topic_arn, sns_timestamp, outcome, detail, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (sns_message_id) DO UPDATE SET
             outcome = excluded.outcome, detail = excluded.detail, received_at = excluded.received_at`,
        )
        .bind(
          record.snsMessageId,
          record.type,
          record.topicArn,
          record.snsTimestamp,
          record.outcome,
          record.detail,
          record.receivedAt,
        )
        .run();
    },

    async countIngestion(names, at) {
      if (names.length === 0) return;
      await db.batch(
        names.map((name) =>
          db
            .prepare(
              `INSERT INTO ingestion_counters (name, count, last_at) VALUES (?, 1, ?)
               ON CONFLICT (name) DO UPDATE SET count = count + 1, last_at = max(last_at, excluded.last_at)`,
            )
            .bind(name, at),
        ),
      );
    },

    async listIngestionCounters() {
      const { results } = await db
        .prepare('SELECT name, count, last_at AS lastAt FROM ingestion_counters ORDER BY name')
        .all<IngestionCounter>();
      return results;
    },
  };
}
