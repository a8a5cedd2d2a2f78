import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { redriveSnsMessages } from '$lib/server/ops/sns-redrive';

/** Applies messages drained from the SNS dead-letter queue, for `kuratchi-ses redrive` (bearer token). */
export const POST: RequestHandler = async ({ request, url, platform }) => {
  const config = readConfig(platform?.env);
  return redriveSnsMessages(platform!.env, config, request, url);
};
