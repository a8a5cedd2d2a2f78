import { createD1EmailQueries, decodeEmailLogCursor, type EmailLogFilter } from 'kuratchi-sdk/internal/d1';
import { tagFilterOf } from '../emails/filters';
import { ApiProblem } from './problem';
import { emailItemOf, timelineItemOf } from './present';
import { apiRoute, invalid, json, parseInput, queryOf } from './route';
import { listEmailsQuery } from './schemas';

/**
 * `GET /api/v1/emails`: a page of the email log through the log's own queries (`listEmails`,
 * keyset paging, so rows inserted meanwhile never shift or repeat a page), each email with its
 * recipients' outcomes and its latest event, read by the page's own query (one round trip).
 */
export const listEmails = apiRoute('read', async ({ db, event }) => {
  const query = parseInput('query', listEmailsQuery, queryOf(event.url));
  const filter: EmailLogFilter = {};
  if (query.status) filter.status = query.status;
  if (query.recipient) filter.recipientPrefix = query.recipient.toLowerCase();
  if (query.search?.trim()) filter.search = query.search.trim();
  if (query.from) filter.from = Date.parse(query.from);
  if (query.to) filter.to = Date.parse(query.to);
  if (query.emailType) filter.emailType = query.emailType;
  if (query.tag) filter.tag = tagFilterOf(query.tag)!;
  if (query.engaged) filter.engagedBy = query.engaged;
  const queries = createD1EmailQueries(db);
  // A cursor that is not one is refused: restarting from the top would loop a client.
  if (query.cursor && !decodeEmailLogCursor(query.cursor)) {
    throw invalid([{ path: 'query.cursor', message: 'is not a nextCursor of this list' }]);
  }
  const page = await queries.listEmails(filter, {
    cursor: query.cursor ?? null,
    limit: query.limit,
    withLastEvent: true,
  });
  return json({
    emails: page.emails.map((email) => emailItemOf(email, email.lastEvent ?? undefined)),
    nextCursor: page.nextCursor,
  });
});

/**
 * `GET /api/v1/emails/{id}`: the email, every recipient with its own outcome and suppression
 * state, its timeline (each open's and click's verdict and who decided it) and its links'
 * clicks, people and machines apart. An id of another organisation is not in this database: 404.
 */
export const getEmail = apiRoute('read', async ({ db, event }) => {
  const queries = createD1EmailQueries(db);
  const email = await queries.getEmail(event.params.id ?? '');
  if (!email) throw new ApiProblem('not-found', 'no such email in this organisation');
  const [events, suppressions, links, last] = await Promise.all([
    queries.listEmailEvents(email.id),
    queries.findSuppressions(email.recipients.map((r) => r.address)),
    queries.linkStats(email.id),
    queries.lastEvents([email.id]),
  ]);
  const suppressed = new Set(suppressions.map((s) => s.emailAddress));
  const outcomes: Record<string, number> = {};
  for (const recipient of email.recipients) outcomes[recipient.status] = (outcomes[recipient.status] ?? 0) + 1;
  return json({
    ...emailItemOf({ ...email, recipientOutcomes: outcomes }, last.get(email.id)),
    recipientList: email.recipients.map((r) => ({
      address: r.address,
      kind: r.kind,
      status: r.status,
      deliveredAt: r.deliveredAt === null ? null : new Date(r.deliveredAt).toISOString(),
      bouncedAt: r.bouncedAt === null ? null : new Date(r.bouncedAt).toISOString(),
      complainedAt: r.complainedAt === null ? null : new Date(r.complainedAt).toISOString(),
      bounceType: r.bounceType,
      bounceSubType: r.bounceSubType,
      smtpResponse: r.smtpResponse,
      suppressed: suppressed.has(r.address.toLowerCase()),
    })),
    timeline: events.map(timelineItemOf),
    links,
  });
});
