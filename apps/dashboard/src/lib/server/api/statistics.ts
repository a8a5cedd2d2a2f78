import { createD1EmailQueries } from 'kuratchi-sdk/internal/d1';
import { DAY_MS, dailyTotalsSpan } from '../emails/daily-totals';
import { apiRoute, invalid, json, parseInput, queryOf } from './route';
import { statisticsQuery } from './schemas';

/**
 * `GET /api/v1/statistics`: the daily totals of the UTC days `from`–`to` (default the 30 days
 * ending today), read from the organisation's daily rollups (migrations/org/0011) in one query,
 * whatever the number of emails, and still there after retention has deleted the emails.
 */
export const getStatistics = apiRoute('read', async ({ db, event }) => {
  const query = parseInput('query', statisticsQuery, queryOf(event.url));
  const day = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(`${iso}T00:00:00Z`));
  const lastDay = query.to === undefined ? undefined : day(query.to)! / DAY_MS;
  const span = dailyTotalsSpan({ from: day(query.from), lastDay }, Date.now());
  if ('error' in span) throw invalid([{ path: 'query', message: span.error }]);
  return json({ days: await createD1EmailQueries(db).dailyStats(span.days, span.last * DAY_MS) });
});
