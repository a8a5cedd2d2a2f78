import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { listCanaryRuns, startCanaryNow } from '$lib/server/canary/ops';

/** Starts a canary run now, for `kuratchi-ses canary` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? startCanaryNow(platform!.env, new Date());
};

/** The latest canary runs (bearer token). */
export const GET: RequestHandler = async ({ request, url, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? listCanaryRuns(platform!.env, url);
};
