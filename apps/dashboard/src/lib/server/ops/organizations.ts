import { listOrganizations } from 'kuratchi-sdk/internal/d1';
import { opsUsers } from '../users/ops';

/**
 * `POST /api/ops/organizations`: onboards an organisation at run time, and with `adminEmail`
 * invites its first admin (`users/onboard.ts`, the rule the Organisations page follows too):
 * 201 `{ organization, invitation }`; 400 for a bad field or a binding the Worker lacks; 409 when
 * the id, the admin's address or the D1 database (`binding-taken`: another organisation's) is taken. A `durable-object` organisation (the default) needs no
 * deploy.
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
 */
export function createOrganizationFromRequest(env: DashboardEnv, request: Request, now: Date): Promise<Response> {
  return opsUsers.onboard(env, request, now);
}

/** `GET /api/ops/organizations`: every organisation and where its database lives. */
export async function listOrganizationsAnswer(env: DashboardEnv): Promise<Response> {
  return Response.json({ organizations: await listOrganizations(env.ADMIN_DB) });
}
