import { countEngagementToReclassify, MAX_RECLASSIFY_PAGE, reclassifyEngagementPage } from 'kuratchi-sdk/internal/d1';
import { ENGAGEMENT_RULES } from 'kuratchi-sdk/internal/events';
import { z } from 'zod';
import { orgDatabase } from './org-database';
import { invalidRequest, readJsonBody } from './request';

const organizationId = z.string().min(1).max(256);
const statusQuery = z.object({ organizationId }).strict();
const pageBody = z
  .object({
    organizationId,
    after: z.string().min(1).max(512).optional(),
    limit: z.number().int().min(1).max(MAX_RECLASSIFY_PAGE).default(MAX_RECLASSIFY_PAGE),
  })
  .strict();

/**
 * `GET /api/ops/engagement/reclassify?organizationId=`: the current rules version and how many of
 * the organisation's opens and clicks are classified under another one (or none yet).
 */
export async function reclassifyStatus(env: DashboardEnv, url: URL): Promise<Response> {
  const query = statusQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return invalidRequest(query.error);
  const db = await orgDatabase(env, query.data.organizationId);
  if (db instanceof Response) return db;
  return Response.json({ rulesVersion: ENGAGEMENT_RULES.version, pending: await countEngagementToReclassify(db) });
}

/**
 * `POST /api/ops/engagement/reclassify` with JSON `{ organizationId, after?, limit? }`: one page of
 * the SDK's `reclassifyEngagementPage` (at most 100 events: within D1's queries per invocation),
 * answered as `{ scanned, changed, next, rulesVersion }`; `kuratchi-ses reclassify` loops on `next`.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function reclassifyPage(env: DashboardEnv, request: Request): Promise<Response> {
  const body = await readJsonBody(request, pageBody);
  if ('refusal' in body) return body.refusal;
  const db = await orgDatabase(env, body.data.organizationId);
  if (db instanceof Response) return db;
  return Response.json(await reclassifyEngagementPage(db, { after: body.data.after ?? null, limit: body.data.limit }));
}
