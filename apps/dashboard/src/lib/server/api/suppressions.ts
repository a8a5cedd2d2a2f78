import { addSuppression, listSuppressions, removeSuppression } from 'kuratchi-sdk/internal/send';
import { ApiProblem } from './problem';
import { suppressionItemOf } from './present';
import { apiRoute, json, jsonBody, parseInput, queryOf } from './route';
import { addSuppressionBody, listSuppressionsQuery } from './schemas';

/**
 * The organisation's suppression list through the SDK's own functions (send/suppressions.ts):
 * `GET /api/v1/suppressions` (address order, `next` to continue), `POST` (adds by hand, reason
 * `manual`; an address already there keeps its entry) and `DELETE /api/v1/suppressions/{address}`.
 * Reading takes the `read` scope, changing `send`.
 */
export const listSuppressionPage = apiRoute('read', async ({ db, event }) => {
  const query = parseInput('query', listSuppressionsQuery, queryOf(event.url));
  const entries = await listSuppressions(db, {
    limit: query.limit + 1,
    ...(query.after ? { after: query.after } : {}),
    ...(query.reason ? { reason: query.reason } : {}),
  });
  const page = entries.slice(0, query.limit);
  return json({
    suppressions: page.map(suppressionItemOf),
    next: entries.length > query.limit ? (page.at(-1)?.emailAddress ?? null) : null,
  });
});

/** `POST /api/v1/suppressions`: 201 when added, 200 when the address was already suppressed. */
export const addSuppressionEntry = apiRoute('send', async ({ db, event }) => {
  const body = parseInput('body', addSuppressionBody, (await jsonBody(event.request)).value);
  const result = await addSuppression(db, body.address, body.detail ? { detail: body.detail } : {});
  return json({ added: result.added, suppression: suppressionItemOf(result.entry) }, result.added ? 201 : 200);
});

/** `DELETE /api/v1/suppressions/{address}`: 204, or 404 when it was not suppressed. */
export const removeSuppressionEntry = apiRoute('send', async ({ db, event }) => {
  if (!(await removeSuppression(db, event.params.address ?? ''))) {
    throw new ApiProblem('not-found', 'this address is not on the suppression list');
  }
  return new Response(null, { status: 204 });
});
