import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { canaryRunProgress } from '$lib/server/canary/ops';

/** One canary run's progress, for `kuratchi-ses canary --wait` (bearer token). */
export const GET: RequestHandler = async ({ request, params, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? canaryRunProgress(platform!.env, params.id, new Date());
};
