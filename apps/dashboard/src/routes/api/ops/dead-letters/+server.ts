import type { RequestHandler } from './$types';
import { listDeadLetters } from '$lib/server/ops/dead-letters';

/** The dead-letter table of the park, for `kuratchi-ses dead-letters list` (bearer token). */
export const GET: RequestHandler = async ({ url, platform }) => listDeadLetters(platform!.env, url);
