import type { RequestHandler } from './$types';
import { removeOrganizationFromRequest } from '$lib/server/ops/organizations';

/** Removes an organisation, keeping its database (bearer token): see ops/organizations.ts. */
export const POST: RequestHandler = async ({ request, params, platform }) =>
  removeOrganizationFromRequest(platform!.env, params.id, request, new Date());
