import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { reclassifyPage, reclassifyStatus } from '$lib/server/ops/reclassify';

/** How much reclassification work an organisation has, for `kuratchi-ses reclassify` (bearer token). */
export const GET: RequestHandler = async ({ request, platform, url }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? reclassifyStatus(platform!.env, url);
};

/** Reclassifies one page of an organisation's opens and clicks, for `kuratchi-ses reclassify`. */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? reclassifyPage(platform!.env, request);
};
