import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { rebuildStatus } from '$lib/server/ops/rebuild';

/** What a rebuild of an organisation would reset, for `kuratchi-ses rebuild` (bearer token). */
export const GET: RequestHandler = async ({ request, platform, url }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? rebuildStatus(platform!.env, url);
};
