import type { RequestHandler } from './$types';
import { reconcileNow, reconcileStatus } from '$lib/server/ops/reconcile';

/** Whether reconciliation can run, its settings and organisations, for `kuratchi-ses reconcile` (bearer token). */
export const GET: RequestHandler = async ({ platform }) => reconcileStatus(platform!.env);

/** One reconciliation run now, or one page of one organisation (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => reconcileNow(platform!.env, request, new Date());
