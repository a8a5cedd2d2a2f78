import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { reconcileNow, reconcileStatus } from '$lib/server/ops/reconcile';

/** Whether reconciliation can run, its settings and organisations, for `kuratchi-ses reconcile` (bearer token). */
export const GET: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? reconcileStatus(platform!.env);
};

/** One reconciliation run now, or one page of one organisation (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? reconcileNow(platform!.env, request, new Date());
};
