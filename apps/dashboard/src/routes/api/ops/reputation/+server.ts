import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { reputationStates } from '$lib/server/ops/reputation';

/** Every organisation's reputation guard state, for `kuratchi-ses reputation` (bearer token). */
export const GET: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? reputationStates(platform!.env);
};
