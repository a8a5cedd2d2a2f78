import type { RequestHandler } from './$types';
import { opsUsers } from '$lib/server/users/ops';

/** Removes a user, for `kuratchi-ses user remove` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) =>
  opsUsers.remove(platform!.env, request, new Date());
