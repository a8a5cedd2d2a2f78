import type { RequestHandler } from './$types';
import { readConfig } from '$lib/server/config';
import { opsRefusal } from '$lib/server/ops/auth';
import { createOrganizationFromRequest, listOrganizationsAnswer } from '$lib/server/ops/organizations';

/** Onboards an organisation, for `kuratchi-ses org create` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? createOrganizationFromRequest(platform!.env, request, new Date());
};

/** Every organisation and the kind of its database, for `kuratchi-ses org list` (bearer token). */
export const GET: RequestHandler = async ({ request, platform }) => {
  const config = readConfig(platform?.env);
  return (await opsRefusal(request, config)) ?? listOrganizationsAnswer(platform!.env);
};
