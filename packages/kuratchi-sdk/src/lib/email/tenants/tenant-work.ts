import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { TENANT_STATUS_RECHECK_MS } from './backoff.js';
import type { TenantRecord, TenantResourceRecord, TenantSendingStatus, TenantStore } from './d1-tenant-store.js';
import {
  associateAtSes,
  awsErrorText,
  createTenantAtSes,
  deleteTenantAtSes,
  getTenantAtSes,
  setCustomerStatusAtSes,
} from './ses-tenant-calls.js';

/** What one piece of tenant work did, for the job's log line and the caller's note. */
export type TenantWorkOutcome =
  | { done: 'created' | 'deleted' | 'associated' | 'status-read'; note: string }
  | { done: 'customer-status'; note: string; sendingStatus: TenantSendingStatus | null }
  | { failed: string };

/** When the cron reads a tenant again: soon while DISABLED (SES may lift it), else only when told. */
function nextCheck(status: TenantSendingStatus | null, pending: boolean, now: number): number | null {
  if (pending) return now;
  return status === 'DISABLED' ? now + TENANT_STATUS_RECHECK_MS : null;
}

/**
 * Does the tenant work a row is due for, and records the outcome (never throws for an SES error:
 * the row keeps it, with its next attempt after the backoff):
 * - `create-pending`: CreateTenant (or reads the tenant that exists), then `created`;
 * - `delete-pending`: DeleteTenant, then the rows are forgotten;
 * - `created` with a customer-managed status to set: UpdateReputationEntityCustomerManagedStatus,
 *   then GetTenant for the resulting sending status;
 * - `created` otherwise (its status was DISABLED): GetTenant again.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
 */
export async function workOnTenant(
  ses: SESv2Client,
  store: TenantStore,
  row: TenantRecord,
  now: number,
): Promise<TenantWorkOutcome> {
  const { organizationId, tenantName } = row;
  let call: { number: number; set: 'DISABLED' | 'REINSTATED' } | undefined;
  try {
    if (row.state === 'delete-pending') {
      await deleteTenantAtSes(ses, tenantName);
      await store.forget(organizationId);
      return { done: 'deleted', note: `tenant ${tenantName} deleted at SES` };
    }
    if (row.state === 'create-pending' || !row.tenantArn) {
      const tenant = await createTenantAtSes(ses, tenantName);
      const pending = row.customerStatusPending !== null;
      await store.tenantDone(
        organizationId,
        { tenantArn: tenant.tenantArn, state: 'created', sendingStatus: tenant.sendingStatus ?? 'ENABLED' },
        nextCheck(tenant.sendingStatus, pending, now),
        now,
      );
      return { done: 'created', note: `tenant ${tenantName} created at SES` };
    }
    if (row.customerStatusPending) {
      const wanted = row.customerStatusPending;
      call = { number: await store.takeCustomerStatusCall(organizationId), set: wanted };
      await setCustomerStatusAtSes(ses, row.tenantArn, wanted);
      const { sendingStatus } = await getTenantAtSes(ses, tenantName);
      await store.customerStatusDone(
        organizationId,
        call,
        sendingStatus ?? null,
        nextCheck(sendingStatus, false, now),
        now,
      );
      const result = sendingStatus ? `; its sending status is ${sendingStatus}` : '';
      return {
        done: 'customer-status',
        note: `tenant ${tenantName}: customer-managed status ${wanted} at SES${result}`,
        sendingStatus,
      };
    }
    const { sendingStatus } = await getTenantAtSes(ses, tenantName);
    await store.tenantDone(
      organizationId,
      sendingStatus ? { sendingStatus } : {},
      nextCheck(sendingStatus, false, now),
      now,
    );
    return { done: 'status-read', note: `tenant ${tenantName}: sending status ${sendingStatus ?? 'unknown'}` };
  } catch (error) {
    const text = awsErrorText(error);
    await store.tenantFailed(organizationId, text, now, call);
    return { failed: `tenant ${tenantName}: ${text} (retried by the cron)` };
  }
}

/**
 * Associates one pending resource with its (created) tenant and records the outcome; never
 * throws for an SES error.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
 */
export async function workOnResource(
  ses: SESv2Client,
  store: TenantStore,
  tenant: Pick<TenantRecord, 'tenantName' | 'tenantArn'>,
  resource: TenantResourceRecord,
  now: number,
): Promise<TenantWorkOutcome> {
  const what = `${resource.kind} ${resource.name}`;
  try {
    if (!tenant.tenantArn) throw new Error(`tenant ${tenant.tenantName} is not created yet`);
    await associateAtSes(
      ses,
      { tenantName: tenant.tenantName, tenantArn: tenant.tenantArn },
      resource.kind,
      resource.name,
    );
    await store.resourceAssociated(resource, now);
    return { done: 'associated', note: `${what} associated with tenant ${tenant.tenantName}` };
  } catch (error) {
    const text = awsErrorText(error);
    await store.resourceFailed(resource, text, now);
    return { failed: `${what} of tenant ${tenant.tenantName}: ${text} (retried by the cron)` };
  }
}
