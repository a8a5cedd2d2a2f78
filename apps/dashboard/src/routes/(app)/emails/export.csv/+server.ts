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
import { readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';

const DAY_MS = 86_400_000;
/** Most days of one daily totals export (ten years). */
const MAX_DAYS = 3_660;

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
    const last = Math.floor(((filter.to ?? Date.now() + DAY_MS) - 1) / DAY_MS);
    const first = filter.from !== undefined ? Math.floor(filter.from / DAY_MS) : last - 29;
    const days = last - first + 1;
    if (days < 1 || days > MAX_DAYS) error(400, `from–to must span 1 to ${MAX_DAYS} UTC days (asked: ${days})`);
    const stats = await queries.dailyStats(days, last * DAY_MS);
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
