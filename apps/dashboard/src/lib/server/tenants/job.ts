import {
  provisionSesTenant,
  removeSesTenant,
  retrySesTenantWork,
  type SesTenantRun,
} from 'kuratchi-sdk/internal/tenants';
import { tenantSettings } from './settings';

/**
 * The `ses-tenants` cron job: with tenants on, `retrySesTenantWork` (tenants of new and removed
 * organisations, missing associations, the guard's customer-managed status, every call that
 * failed, after its backoff). Its failures are in the log line and stay pending in the admin
 * database: they never fail the run, which retries them.
 * @see https://docs.aws.amazon.com/ses/latest/dg/tenants.html
 */
export async function runSesTenantJob(env: DashboardEnv, now: Date): Promise<SesTenantRun | { off: string }> {
  const settings = tenantSettings(env);
  if (!settings.enabled) return { off: settings.reason };
  return retrySesTenantWork({ adminDb: env.ADMIN_DB, ses: settings.ses, resources: settings.resources, now });
}

/**
 * A new organisation's SES tenant, with tenants on: `provisionSesTenant`. Never throws: what
 * failed is recorded (or, if even the admin database failed, the cron finds the organisation
 * without a tenant) and the `ses-tenants` job retries it; creating the organisation never waits
 * on SES. Null with tenants off.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 */
export async function provisionOrganizationTenant(
  env: DashboardEnv,
  organizationId: string,
  now: Date,
): Promise<SesTenantRun | null> {
  try {
    const settings = tenantSettings(env);
    if (!settings.enabled) return null;
    return await provisionSesTenant({
      adminDb: env.ADMIN_DB,
      ses: settings.ses,
      resources: settings.resources,
      organizationId,
      now,
    });
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { done: [], failures: [`tenant ${organizationId}: ${text} (the ses-tenants job retries it)`] };
  }
}

/**
 * A removed organisation's SES tenant: `removeSesTenant` (marked `delete-pending`, then
 * DeleteTenant; with tenants off only marked, for when they are on again). Never throws: should
 * even the admin database fail, the `ses-tenants` job finds the tenant of a removed organisation
 * and deletes it. Empty when there was no call to make (no tenant, or tenants off).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteTenant.html
 */
export async function removeOrganizationTenant(
  env: DashboardEnv,
  organizationId: string,
  now: Date,
): Promise<SesTenantRun> {
  try {
    const settings = tenantSettings(env);
    const run = await removeSesTenant({
      adminDb: env.ADMIN_DB,
      ses: settings.enabled ? settings.ses : null,
      organizationId,
      now,
    });
    return run;
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { done: [], failures: [`tenant ${organizationId}: ${text} (the ses-tenants job retries it)`] };
  }
}
