import type { D1Database } from '@cloudflare/workers-types';

/** One event of an organisation's feed, at its position (migrations/org/0010_event_positions.sql). */
export interface FeedEvent {
  /** Increases in the order events are recorded; the feed's cursor. */
  position: number;
  emailId: string;
  sesMessageId: string;
  /** The event's content identity (SNS MessageId of its first copy). */
  snsMessageId: string;
  eventType: string;
  occurredAt: number;
  receivedAt: number;
  /** The event's detail object as SES sent it. */
  detail: Record<string, unknown>;
  /** Opens and clicks: `human` or `machine`; null otherwise. */
  engagement: 'human' | 'machine' | null;
}

/** One page of the feed: events after a position, and the position to continue from. */
export interface EventFeedPage {
  events: FeedEvent[];
  /** The position of the page's last event (or the one asked after, on an empty page): store it, ask after it next. */
  position: number;
}

/** The latest event of an email, by event time. */
export interface LastEvent {
  eventType: string;
  occurredAt: number;
}

/**
 * SQL of the latest event (by event time) of the email whose id is `emailIdSql` (a column of the
 * enclosing query), as the JSON of a {@link LastEvent}, or null when it has none: one seek of
 * `email_events_by_email` (email_id, occurred_at) per email, so it can ride along in the query
 * that reads the emails (the API's list page) instead of a second round trip.
 * @see https://www.sqlite.org/json1.html#jobj
 */
export function lastEventSql(emailIdSql: string): string {
  return `(SELECT json_object('eventType', event_type, 'occurredAt', occurred_at) FROM email_events
           WHERE email_id = ${emailIdSql} ORDER BY occurred_at DESC LIMIT 1)`;
}

/**
 * The organisation's event feed and each email's latest event, on its own database. The feed
 * reads `email_events` by position (unique index), so a client that keeps the last position it
 * read misses nothing and sees nothing twice: every write to the database is serialised, so an
 * event recorded later always has a greater position.
 */
export function createD1EventFeed(db: D1Database) {
  return {
    /** At most `limit` (1 to 500) events after `after` (0: from the first one), in position order. */
    async eventFeed(after: number, limit: number): Promise<EventFeedPage> {
      const { results } = await db
        .prepare(
          `SELECT position, email_id AS emailId, ses_message_id AS sesMessageId, sns_message_id AS snsMessageId,
                  event_type AS eventType, occurred_at AS occurredAt, received_at AS receivedAt, detail, engagement
           FROM email_events WHERE position > ? ORDER BY position LIMIT ?`,
        )
        .bind(after, Math.min(Math.max(Math.trunc(limit), 1), 500))
        .all<Omit<FeedEvent, 'detail'> & { detail: string }>();
      const events = results.map((event) => ({
        ...event,
        detail: JSON.parse(event.detail) as Record<string, unknown>,
      }));
      return { events, position: events.at(-1)?.position ?? after };
    },

    /** The latest event (by event time) of each of these emails (at most 100) that has one. */
    async lastEvents(emailIds: readonly string[]): Promise<Map<string, LastEvent>> {
      if (!emailIds.length) return new Map();
      const { results } = await db
        .prepare(`SELECT value AS emailId, ${lastEventSql('value')} AS lastEvent FROM json_each(?)`)
        .bind(JSON.stringify(emailIds))
        .all<{ emailId: string; lastEvent: string | null }>();
      return new Map(
        results.flatMap(({ emailId, lastEvent }) =>
          lastEvent ? [[emailId, JSON.parse(lastEvent) as LastEvent] as const] : [],
        ),
      );
    },
  };
}
