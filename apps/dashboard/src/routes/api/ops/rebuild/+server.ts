import type { RequestHandler } from './$types';
import { rebuildStatus } from '$lib/server/ops/rebuild';

/** What a rebuild of an organisation would reset, for `kuratchi-ses rebuild` (bearer token). */
export const GET: RequestHandler = async ({ platform, url }) => rebuildStatus(platform!.env, url);
