import { OrganizationRemoveError, removeOrganization, type RemovedOrganization } from 'kuratchi-sdk/internal/d1';
import type { SesTenantRun } from 'kuratchi-sdk/internal/tenants';
import { removeOrganizationTenant } from '../tenants/job';
import type { UserChange } from './accounts';
import { UserError } from './errors';

/** An organisation just removed, and what was done about its SES tenant. */
export interface Offboarded {
  /** Its row as removed: where its database (kept, with its mail) lives. */
  organization: RemovedOrganization;
  /** The DeleteTenant call made or failed (retried by the `ses-tenants` job); empty without a tenant. */
  tenant: SesTenantRun;
  /** What the operator is left to do: delete its database when its mail is no longer wanted. */
  database: string;
}

/**
 * Removes an organisation, the one rule behind the Organisations page and `POST
 * /api/ops/organizations/{id}/remove`: the SDK's `removeOrganization` (nothing routes to it any
 * more; its database and mail are kept), then its SES tenant is deleted (`tenants/job.ts`, retried
 * by the cron, never refusing the removal). The caller asked for `confirm` equal to the id: the
 * step cannot be undone from the dashboard.
 * @throws {UserError} `invalid-request` (no or wrong confirmation), `organization-not-found`
 *   (unknown, or removed already), `organization-moving`.
 */
export async function offboardOrganization(
  env: DashboardEnv,
  change: UserChange,
  input: { organizationId: string; confirm: unknown },
): Promise<Offboarded> {
  const { organizationId } = input;
  if (input.confirm !== organizationId) {
    throw new UserError('invalid-request', `confirm: must be the organisation's id (${organizationId})`);
  }
  const removedBy = change.actor.kind === 'superadmin' ? change.actor.email : 'ops-token';
  let organization: RemovedOrganization;
  try {
    organization = await removeOrganization(change.db, { organizationId, removedBy, now: new Date(change.now) });
  } catch (error) {
    if (error instanceof OrganizationRemoveError) throw new UserError(error.code, error.message);
    throw error;
  }
  const tenant = await removeOrganizationTenant(env, organizationId, new Date(change.now));
  const database =
    organization.kind === 'd1'
      ? `its D1 database (binding ${organization.binding}) keeps its mail: delete the database and the binding when it is no longer wanted`
      : `its Durable Object (namespace ${organization.binding}, idFromName("${organization.id}")) keeps its mail; nothing here deletes it`;
  return { organization, tenant, database };
}
