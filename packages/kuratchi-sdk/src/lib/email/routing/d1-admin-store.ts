import type { D1Database } from '@cloudflare/workers-types';
import { createD1ParkStore } from './d1-park-store.js';
import { MessageBindingError } from './errors.js';
import { marks } from '../shared/sql-marks.js';
import type { AdminStore, MessageRoute } from './ports.js';
import { createD1IngestionFigures, findRouteAndCount } from './d1-ingestion-figures.js';
import { ROUTE_SELECT, routeOf, type RouteRow } from './d1-route-select.js';

/** D1 binds at most 100 parameters per query. */
const MAX_PARAMS = 100;

/**
 * The admin database on D1 prepared statements (schema: `migrations/admin`); the park's
 * statements are in `d1-park-store.ts`, the ingestion figures' in `d1-ingestion-figures.ts`.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1AdminStore(db: D1Database): AdminStore {
  return {
    ...createD1ParkStore(db),
    ...createD1IngestionFigures(db),

    async findMessageRoute(sesMessageId, countIfRouted) {
      const query = db.prepare(`${ROUTE_SELECT} WHERE l.ses_message_id = ?`).bind(sesMessageId);
      if (countIfRouted) return findRouteAndCount(db, query, sesMessageId, countIfRouted);
      const found = await query.first<RouteRow>();
      return found && routeOf(found);
    },

    async findMessageRoutes(sesMessageIds) {
      const ids = [...new Set(sesMessageIds)];
      if (ids.length > MAX_PARAMS) throw new RangeError(`at most ${MAX_PARAMS} SES message ids per query`);
      const routes = new Map<string, MessageRoute>();
      if (ids.length === 0) return routes;
      const { results } = await db
        .prepare(`${ROUTE_SELECT} WHERE l.ses_message_id IN (${marks(ids.length)})`)
        .bind(...ids)
        .all<RouteRow>();
      for (const row of results) routes.set(row.ses, routeOf(row));
      return routes;
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
  };
}
