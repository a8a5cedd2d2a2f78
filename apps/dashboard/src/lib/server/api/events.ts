import { createD1EmailQueries } from 'kuratchi-sdk/internal/d1';
import { feedItemOf } from './present';
import { apiRoute, json, parseInput, queryOf } from './route';
import { listEventsQuery } from './schemas';

/**
 * `GET /api/v1/events`: the organisation's events in the order they were recorded, after a
 * position (migrations/org/0010_event_positions.sql). A client stores the answer's `position` and
 * asks after it next: it misses nothing and sees nothing twice, while events keep arriving.
 */
export const listEvents = apiRoute('read', async ({ db, event }) => {
  const query = parseInput('query', listEventsQuery, queryOf(event.url));
  const page = await createD1EmailQueries(db).eventFeed(Number(query.after), query.limit);
  return json({ events: page.events.map(feedItemOf), position: page.position });
});
