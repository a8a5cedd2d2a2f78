import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { orgMoveStep } from '$lib/server/ops/org-move';

/** One step of `kuratchi-ses org migrate` (bearer token): see org-move.ts. */
export const POST: RequestHandler = async ({ request, params, platform }) => {
  const config = readConfig(platform?.env);
  return orgMoveStep(platform!.env, config, params.id, request, new Date());
};
