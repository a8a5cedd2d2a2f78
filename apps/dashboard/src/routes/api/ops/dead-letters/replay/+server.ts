import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { replayDeadLetterPage } from '$lib/server/ops/dead-letters';

/** Replays one page of dead letters, for `kuratchi-ses dead-letters replay` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return replayDeadLetterPage(platform!.env, config, request, new Date());
};
