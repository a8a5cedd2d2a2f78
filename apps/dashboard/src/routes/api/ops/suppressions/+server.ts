import type { RequestHandler } from './$types';
import { opsSuppressions } from '$lib/server/suppressions/ops';

/** One page of an organisation's suppression list, for `kuratchi-ses suppressions list|export` (bearer token). */
export const GET: RequestHandler = async ({ url, platform }) => opsSuppressions.list(platform!.env, url);

/** Adds addresses, for `kuratchi-ses suppressions add|import` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) =>
  opsSuppressions.add(platform!.env, request, new Date());
