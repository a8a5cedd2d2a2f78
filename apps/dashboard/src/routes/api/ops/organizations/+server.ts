import type { RequestHandler } from './$types';
import { createOrganizationFromRequest, listOrganizationsAnswer } from '$lib/server/ops/organizations';

/** Onboards an organisation (and invites its first admin), for `kuratchi-ses org create` (bearer token). */
export const POST: RequestHandler = async ({ request, platform }) =>
  createOrganizationFromRequest(platform!.env, request, new Date());

/** Every organisation and the kind of its database, for `kuratchi-ses org list` (bearer token). */
export const GET: RequestHandler = async ({ platform }) => listOrganizationsAnswer(platform!.env);
