import type { RequestHandler } from './$types';
import { CSV_HEADER, csvLine, RECIPIENT_CSV_HEADER, recipientCsvLine } from '$lib/server/emails/csv';
import { readEmailLogQuery } from '$lib/server/emails/filters';
import { activeOrganizationQueries } from '$lib/server/emails/org-queries';

/**
 * The filtered email log as CSV, streamed page by page (never the whole log in memory): one line
 * per email, or with `?per=recipient` one line per recipient (To, CC, BCC) with its own outcome.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
  const { filter } = readEmailLogQuery(url.searchParams);
  const perRecipient = url.searchParams.get('per') === 'recipient';
  const queries = await activeOrganizationQueries(locals);
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
