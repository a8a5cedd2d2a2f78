import { z } from 'zod';
import { orgDatabase } from '../ops/org-database';
import { invalidRequest, readJsonBody } from '../ops/request';
import { addBody, addSuppressions, pageQuery, removeBody, removeSuppressions, suppressionPage } from './manage';

const organizationId = z.string().min(1).max(200);

/**
 * The suppression list in the operations API, for `kuratchi-ses suppressions` (bearer token):
 * - `GET /api/ops/suppressions?organizationId=&limit=&after=&reason=&search=`: one page, the next
 *   cursor and the tenant sync's state;
 * - `POST /api/ops/suppressions` `{ organizationId, entries: [{ emailAddress, detail? }] }`: adds;
 * - `POST /api/ops/suppressions/remove` `{ organizationId, emailAddresses }`: removes.
 * Every address of a request is checked before any is written (400 names each bad one).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export const opsSuppressions = {
  async list(env: DashboardEnv, url: URL): Promise<Response> {
    const query = pageQuery.extend({ organizationId }).safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return invalidRequest(query.error);
    const { organizationId: id, ...page } = query.data;
    const db = await orgDatabase(env, id);
    if (db instanceof Response) return db;
    return Response.json(await suppressionPage(db, page));
  },

  async add(env: DashboardEnv, request: Request, now: Date): Promise<Response> {
    const body = await readJsonBody(request, addBody.extend({ organizationId }));
    if ('refusal' in body) return body.refusal;
    const db = await orgDatabase(env, body.data.organizationId);
    if (db instanceof Response) return db;
    return Response.json(await addSuppressions(db, body.data, now));
  },

  async remove(env: DashboardEnv, request: Request): Promise<Response> {
    const body = await readJsonBody(request, removeBody.extend({ organizationId }));
    if ('refusal' in body) return body.refusal;
    const db = await orgDatabase(env, body.data.organizationId);
    if (db instanceof Response) return db;
    return Response.json(await removeSuppressions(db, body.data));
  },
};
