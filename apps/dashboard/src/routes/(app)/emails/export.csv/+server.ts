import type { RequestHandler } from './$types';
import { CSV_HEADER, csvLine } from '$lib/server/emails/csv';
import { readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';

/** The filtered email log as CSV, streamed page by page (never the whole log in memory). */
export const GET: RequestHandler = async ({ locals, url }) => {
  const { filter } = readEmailLogQuery(url.searchParams);
  const queries = await activeOrganizationQueries(locals);
  let cursor: string | null = null;
  let started = false;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(CSV_HEADER));
      }
      const page = await queries.listEmails(filter, { cursor, limit: 500 });
      controller.enqueue(encoder.encode(page.emails.map(csvLine).join('')));
      if (!page.nextCursor) controller.close();
      cursor = page.nextCursor;
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="emails-${new Date().toISOString().slice(0, 10)}.csv"`,
      'cache-control': 'no-store',
    },
  });
};
