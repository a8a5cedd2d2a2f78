import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { rebuildReset } from '$lib/server/ops/rebuild';

/** Resets one page of an organisation's tracking state, for `kuratchi-ses rebuild` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? rebuildReset(platform!.env, request);
};
