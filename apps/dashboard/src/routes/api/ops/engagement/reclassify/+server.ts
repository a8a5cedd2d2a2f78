import type { RequestHandler } from './$types';
import { reclassifyPage, reclassifyStatus } from '$lib/server/ops/reclassify';

/** How much reclassification work an organisation has, for `kuratchi-ses reclassify` (bearer token). */
export const GET: RequestHandler = async ({ platform, url }) => reclassifyStatus(platform!.env, url);

/** Reclassifies one page of an organisation's opens and clicks, for `kuratchi-ses reclassify`. */
export const POST: RequestHandler = async ({ request, platform }) => reclassifyPage(platform!.env, request);
