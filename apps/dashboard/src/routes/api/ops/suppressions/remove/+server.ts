import type { RequestHandler } from './$types';
import { opsSuppressions } from '$lib/server/suppressions/ops';

/** Removes addresses, for `kuratchi-ses suppressions remove` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => opsSuppressions.remove(platform!.env, request);
