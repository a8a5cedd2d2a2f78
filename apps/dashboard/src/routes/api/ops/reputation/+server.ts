import type { RequestHandler } from './$types';
import { reputationStates } from '$lib/server/ops/reputation';

/** Every organisation's reputation guard state, for `kuratchi-ses reputation` (bearer token). */
export const GET: RequestHandler = async ({ platform }) => reputationStates(platform!.env);
