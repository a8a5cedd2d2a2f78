import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { rebuildApply } from '$lib/server/ops/rebuild';

/** Applies one page of the raw archive to an organisation, for `kuratchi-ses rebuild` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return rebuildApply(platform!.env, config, request);
};
