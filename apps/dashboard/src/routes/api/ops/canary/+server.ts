import type { RequestHandler } from './$types';
import { listCanaryRuns, startCanaryNow } from '$lib/server/canary/ops';

/** Starts a canary run now, for `kuratchi-ses canary` (bearer token). */
export const POST: RequestHandler = async ({ platform }) => startCanaryNow(platform!.env, new Date());

/** The latest canary runs (bearer token). */
export const GET: RequestHandler = async ({ url, platform }) => listCanaryRuns(platform!.env, url);
