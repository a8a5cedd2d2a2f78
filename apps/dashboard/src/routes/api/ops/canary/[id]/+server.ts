import type { RequestHandler } from './$types';
import { canaryRunProgress } from '$lib/server/canary/ops';

/** One canary run's progress, for `kuratchi-ses canary --wait` (bearer token). */
export const GET: RequestHandler = async ({ params, platform }) =>
  canaryRunProgress(platform!.env, params.id, new Date());
