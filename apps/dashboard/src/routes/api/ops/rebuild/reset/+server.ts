import type { RequestHandler } from './$types';
import { rebuildReset } from '$lib/server/ops/rebuild';

/** Resets one page of an organisation's tracking state, for `kuratchi-ses rebuild` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => rebuildReset(platform!.env, request);
