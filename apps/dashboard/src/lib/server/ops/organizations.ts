import { listOrganizations, listRemovedOrganizations } from 'kuratchi-sdk/internal/d1';
import { UserError } from '../users/errors';
import { offboardOrganization } from '../users/offboard';
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

/**
 * `GET /api/ops/organizations`: every organisation and where its database lives, and the removed
 * ones (`removed`: their databases are kept until an operator deletes them).
 */
export async function listOrganizationsAnswer(env: DashboardEnv): Promise<Response> {
  const [organizations, removed] = await Promise.all([
    listOrganizations(env.ADMIN_DB),
    listRemovedOrganizations(env.ADMIN_DB),
  ]);
  return Response.json({ organizations, removed });
}

/**
 * `POST /api/ops/organizations/{id}/remove` with JSON `{ confirm: id }`: removes the organisation
 * (`users/offboard.ts`): 200 `{ organization, tenant, database }`; 400 without the confirmation;
 * 404 unknown or removed already; 409 while it is being moved.
 */
export async function removeOrganizationFromRequest(
  env: DashboardEnv,
  organizationId: string,
  request: Request,
  now: Date,
): Promise<Response> {
  let body: { confirm?: unknown };
  try {
    body = (await request.json()) as { confirm?: unknown };
  } catch {
    return Response.json({ error: 'invalid-request', message: 'body: must be JSON' }, { status: 400 });
  }
  const change = { db: env.ADMIN_DB, actor: { kind: 'ops-token' as const }, now: now.getTime(), origin: '' };
  try {
    return Response.json(await offboardOrganization(env, change, { organizationId, confirm: body?.confirm }));
  } catch (error) {
    if (error instanceof UserError) return error.toResponse();
    throw error;
  }
}
