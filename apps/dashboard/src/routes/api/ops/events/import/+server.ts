import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { importEvents } from '$lib/server/ops/import-events';

/** Applies SES event records read from Firehose's S3 objects, for `kuratchi-ses import` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return importEvents(platform, config, request, new Date());
};
