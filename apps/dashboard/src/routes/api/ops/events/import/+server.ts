import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { importEvents } from '$lib/server/ops/import-events';

/** Applies SES event records read from Firehose's S3 objects, for `kuratchi-ses import` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? importEvents(platform, config, request, new Date());
};
