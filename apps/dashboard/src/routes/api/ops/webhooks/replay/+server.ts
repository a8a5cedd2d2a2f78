import type { RequestHandler } from './$types';
import { replayWebhooksOps } from '$lib/server/ops/webhooks';

/** Replays webhook deliveries, for `kuratchi-ses webhooks replay` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => replayWebhooksOps(platform!.env, request);
