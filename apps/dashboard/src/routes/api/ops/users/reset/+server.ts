import type { RequestHandler } from './$types';
import { opsUsers } from '$lib/server/users/ops';

/** Resets a user's password (a new one-time link), for `kuratchi-ses user reset` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => opsUsers.reset(platform!.env, request, new Date());
