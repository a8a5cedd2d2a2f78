import type { RequestHandler } from './$types';
import { opsUsers } from '$lib/server/users/ops';

/** Creates a user and their one-time link, for `kuratchi-ses user create` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) =>
  opsUsers.create(platform!.env, request, new Date());

/** Every user (`?org=` for one organisation's), for `kuratchi-ses user list` (bearer token). */
export const GET: RequestHandler = async ({ url, platform }) => opsUsers.list(platform!.env, url, new Date());
