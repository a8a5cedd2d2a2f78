import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import {
  CSV_HEADER,
  csvLine,
  DAILY_CSV_HEADER,
  dailyCsvLine,
  RECIPIENT_CSV_HEADER,
  recipientCsvLine,
} from '$lib/server/emails/csv';
import { DAY_MS, dailyTotalsSpan } from '$lib/server/emails/daily-totals';
import { readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';

/**
 * The filtered email log as CSV, streamed page by page (never the whole log in memory): one line
 * per email, or with `?per=recipient` one line per recipient (To, CC, BCC) with its own outcome.
 * With `?per=day`, the daily totals of the UTC days `from`–`to` (default the overview's 30 days
 * ending today), read from the daily rollups; the other filters do not apply to them.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
  const { filter } = readEmailLogQuery(url.searchParams);
  const perRecipient = url.searchParams.get('per') === 'recipient';
  const queries = await activeOrganizationQueries(locals);
  if (url.searchParams.get('per') === 'day') {
    // The log's `to` is exclusive: its last day is the one before it.
    const lastDay = filter.to !== undefined ? Math.floor((filter.to - 1) / DAY_MS) : undefined;
    const span = dailyTotalsSpan({ from: filter.from, lastDay }, Date.now());
    if ('error' in span) error(400, span.error);
    const stats = await queries.dailyStats(span.days, span.last * DAY_MS);
    return new Response(DAILY_CSV_HEADER + stats.map(dailyCsvLine).join(''), {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="daily-totals-${stats[0]!.day}-${stats.at(-1)!.day}.csv"`,
        'cache-control': 'no-store',
      },
    });
  }
  let cursor: string | null = null;
  let started = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(perRecipient ? RECIPIENT_CSV_HEADER : CSV_HEADER));
      }
      // 100 emails per page per recipient (one IN list of their ids), 500 otherwise.
      const page = await queries.listEmails(filter, { cursor, limit: perRecipient ? 100 : 500 });
      if (perRecipient) {
        const recipients = await queries.listRecipients(page.emails.map((email) => email.id));
        const lines = page.emails.flatMap((email) =>
          (recipients.get(email.id) ?? []).map((recipient) => recipientCsvLine({ email, recipient })),
        );
        controller.enqueue(encoder.encode(lines.join('')));
      } else controller.enqueue(encoder.encode(page.emails.map(csvLine).join('')));
      if (!page.nextCursor) controller.close();
      cursor = page.nextCursor;
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${perRecipient ? 'recipients' : 'emails'}-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  });
};
