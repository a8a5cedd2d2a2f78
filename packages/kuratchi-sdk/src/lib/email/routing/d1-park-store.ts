import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type { MessageRoute, ParkOutcome, ParkReason, ParkedEvent, ParkStore, RoutableParkedEvent } from './ports.js';
import { withProvenance } from './provenance-columns.js';
import { ROUTE_SELECT, routeOf, type RouteRow } from './d1-route-select.js';

/**
 * The organisation of an SES message's route, inside the statement that writes a parked event or
 * dead letter (no round trip of its own): NULL while it has none (see `ParkStore`).
 */
export const ROUTED_ORGANIZATION = (sesMessageId: string) =>
  `(SELECT l.organization_id FROM email_message_lookup l WHERE l.ses_message_id = ${sesMessageId})`;

const PARKED_COLUMNS =
  'sns_message_id AS snsMessageId, ses_message_id AS sesMessageId, message, parked_at AS parkedAt, reason, source, archive_key AS archiveKey';

/** Most ids per IN list: D1 binds at most 100 parameters per statement. */
const MAX_IDS_PER_QUERY = 100;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * The two statements that park one event: the insert, unless its SES message already has
 * `maxPerMessage` events parked (a bounded `count` inside the insert), and, when it was not
 * parked for that reason, the dead letter (`park-full`) instead.
 */
function parkStatements(db: D1Database, event: ParkedEvent, maxPerMessage: number): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT INTO parked_email_events
           (sns_message_id, ses_message_id, message, parked_at, reason, source, archive_key, organization_id)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ${ROUTED_ORGANIZATION('?2')}
         WHERE (SELECT count(*) FROM (SELECT 1 FROM parked_email_events WHERE ses_message_id = ?2 LIMIT ?8)) < ?8
         ON CONFLICT (sns_message_id) DO NOTHING`,
      )
      .bind(
        event.snsMessageId,
        event.sesMessageId,
        event.message,
        event.parkedAt,
        event.reason,
        event.source ?? null,
        event.archiveKey ?? null,
        maxPerMessage,
      ),
    // The park of this message was full: the event goes to the dead-letter table instead.
    db
      .prepare(
        `INSERT INTO email_event_dead_letters
           (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at, source, archive_key,
            organization_id)
         SELECT ?1, ?2, ?3, 'park-full', ?4, ?4, ?5, ?6, ${ROUTED_ORGANIZATION('?2')}
         WHERE NOT EXISTS (SELECT 1 FROM parked_email_events WHERE sns_message_id = ?1)
         ON CONFLICT (sns_message_id) DO NOTHING`,
      )
      .bind(
        event.snsMessageId,
        event.sesMessageId,
        event.message,
        event.parkedAt,
        event.source ?? null,
        event.archiveKey ?? null,
      ),
  ];
}

/**
 * The park of the admin database (`parked_email_events`, `email_event_dead_letters`; schema:
 * `migrations/admin`) on D1 prepared statements. Every statement costs one round trip whatever
 * the park holds: the per-message cap is a bounded `count` inside the insert, many events are
 * parked in one batch per 100 (D1 binds at most 100 parameters per statement: the IN lists), and
 * expiry moves a bounded page in one atomic batch.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export function createD1ParkStore(db: D1Database): ParkStore {
  return {
    async parkEvent(event, maxPerMessage) {
      const [parked, , existing] = await db.batch([
        ...parkStatements(db, event, maxPerMessage),
        db
          .prepare('SELECT EXISTS (SELECT 1 FROM parked_email_events WHERE sns_message_id = ?) AS already_parked')
          .bind(event.snsMessageId),
      ]);
      if (parked?.meta.changes === 1) return 'parked';
      return (existing?.results[0] as { already_parked?: number } | undefined)?.already_parked
        ? 'already-parked'
        : 'dead-lettered';
    },

    async parkEvents(events, maxPerMessage) {
      const outcomes: ParkOutcome[] = [];
      const routes = new Map<string, MessageRoute>();
      for (let from = 0; from < events.length; from += MAX_IDS_PER_QUERY) {
        const chunk = events.slice(from, from + MAX_IDS_PER_QUERY);
        const snsIds = [...new Set(chunk.map((e) => e.snsMessageId))];
        const sesIds = [...new Set(chunk.map((e) => e.sesMessageId))];
        // One round trip: each event's two statements in order (the cap counts what this batch
        // parked before it), then which are parked, then the routes as they are after parking.
        const results = await db.batch([
          ...chunk.flatMap((event) => parkStatements(db, event, maxPerMessage)),
          db
            .prepare(
              `SELECT sns_message_id AS id FROM parked_email_events WHERE sns_message_id IN (${marks(snsIds.length)})`,
            )
            .bind(...snsIds),
          db.prepare(`${ROUTE_SELECT} WHERE l.ses_message_id IN (${marks(sesIds.length)})`).bind(...sesIds),
        ]);
        const parkedNow = new Set((results[chunk.length * 2]?.results as Array<{ id: string }>).map((r) => r.id));
        for (const row of results[chunk.length * 2 + 1]?.results as RouteRow[]) routes.set(row.ses, routeOf(row));
        chunk.forEach((event, i) => {
          outcomes.push(
            results[i * 2]?.meta.changes === 1
              ? 'parked'
              : parkedNow.has(event.snsMessageId)
                ? 'already-parked'
                : 'dead-lettered',
          );
        });
      }
      return { outcomes, routes };
    },

    async listParkedEvents(sesMessageId, limit) {
      const { results } = await db
        .prepare(
          `SELECT ${PARKED_COLUMNS} FROM parked_email_events WHERE ses_message_id = ? AND reason = 'no-route'
           ORDER BY parked_at, sns_message_id LIMIT ?`,
        )
        .bind(sesMessageId, limit)
        .all<ParkedEvent>();
      return results.map(withProvenance);
    },

    async listRoutableParkedEvents(limit, organizationId) {
      // `no-route`: its route exists now; `org-moving`: its organisation's move has ended.
      const { results } = await db
        .prepare(
          `SELECT p.sns_message_id AS snsMessageId, p.ses_message_id AS sesMessageId, p.message, p.parked_at AS parkedAt,
                  p.reason, p.source, p.archive_key AS archiveKey, l.organization_id AS organizationId, l.email_id AS emailId
           FROM parked_email_events p JOIN email_message_lookup l ON l.ses_message_id = p.ses_message_id
           WHERE (p.reason = 'no-route'
                  OR (p.reason = 'org-moving' AND NOT EXISTS (
                        SELECT 1 FROM organizations o WHERE o.id = l.organization_id AND o.moving_since IS NOT NULL)))
             AND (?1 IS NULL OR l.organization_id = ?1)
           ORDER BY p.parked_at, p.sns_message_id LIMIT ?2`,
        )
        .bind(organizationId ?? null, limit)
        .all<ParkedEvent & { organizationId: string; emailId: string }>();
      return results.map(({ organizationId, emailId, ...parked }): RoutableParkedEvent => ({
        ...withProvenance(parked),
        route: { organizationId, emailId },
      }));
    },

    async setParkReason(snsMessageId, reason: Exclude<ParkReason, 'no-route'>) {
      await db
        .prepare(
          `UPDATE parked_email_events SET reason = ?, organization_id = ${ROUTED_ORGANIZATION('parked_email_events.ses_message_id')}
           WHERE sns_message_id = ?`,
        )
        .bind(reason, snsMessageId)
        .run();
    },

    async deleteParkedEvent(snsMessageId) {
      await db.prepare('DELETE FROM parked_email_events WHERE sns_message_id = ?').bind(snsMessageId).run();
    },

    async expireParkedEvents(cutoff, limit, now) {
      // Both statements pick the same page (same cutoff, order and limit) in one transaction.
      const page =
        'SELECT sns_message_id FROM parked_email_events WHERE parked_at < ? ORDER BY parked_at, sns_message_id LIMIT ?';
      const [, deleted] = await db.batch([
        db
          .prepare(
            `INSERT INTO email_event_dead_letters
               (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at, source, archive_key,
                organization_id)
             SELECT p.sns_message_id, p.ses_message_id, p.message, p.reason, p.parked_at, ?, p.source, p.archive_key,
                    coalesce(p.organization_id, ${ROUTED_ORGANIZATION('p.ses_message_id')})
             FROM parked_email_events p
             WHERE p.sns_message_id IN (${page})
             ON CONFLICT (sns_message_id) DO NOTHING`,
          )
          .bind(now, cutoff, limit),
        db.prepare(`DELETE FROM parked_email_events WHERE sns_message_id IN (${page})`).bind(cutoff, limit),
      ]);
      return deleted?.meta.changes ?? 0;
    },

    async countParkedEvents(bound, organizationId) {
      // An organisation's rows through its index: at most `bound` rows read either way.
      const count = `SELECT reason IN ('no-route', 'org-moving') AS waiting, count(*) AS n FROM (SELECT reason
        FROM parked_email_events ${organizationId === undefined ? '' : 'WHERE organization_id = ?2'} LIMIT ?1) GROUP BY 1`;
      const { results } = await db
        .prepare(count)
        .bind(...(organizationId === undefined ? [bound] : [bound, organizationId]))
        .all<{ waiting: number; n: number }>();
      return {
        parked: results.find((r) => r.waiting)?.n ?? 0,
        orphaned: results.find((r) => !r.waiting)?.n ?? 0,
      };
    },
  };
}
