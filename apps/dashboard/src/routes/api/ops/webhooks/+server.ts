import type { RequestHandler } from './$types';
import { listWebhooksOps } from '$lib/server/ops/webhooks';

/** An organisation's webhook endpoints and recent deliveries, for `kuratchi-ses webhooks list` (bearer token). */
export const GET: RequestHandler = async ({ url, platform }) => listWebhooksOps(platform!.env, url);
