import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { listDeadLetters } from '$lib/server/ops/dead-letters';
import { opsRefusal } from '$lib/server/ops/auth';

/** The dead-letter table of the park, for `kuratchi-ses dead-letters list` (bearer token). */
export const GET: RequestHandler = async ({ request, url, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? listDeadLetters(platform!.env, url);
};
