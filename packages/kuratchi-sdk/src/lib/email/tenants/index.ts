/**
 * `kuratchi-sdk/internal/tenants`: one SES tenant per organisation (`KURATCHI_SES_TENANTS=on`).
 * Its creation with the resources it must have, its deletion, the guard's customer-managed status
 * (pause and lift), the cron's retries of every call that failed, and what `sendEmail` reads.
 * Re-exports only. Loads the AWS SDK's SESv2 client.
 * @see https://docs.aws.amazon.com/ses/latest/dg/tenants.html
 * @module
 */
export { provisionSesTenant, removeSesTenant, retrySesTenantWork, TENANT_WORK_PER_RUN } from './provision.js';
export type { SesTenantOptions, SesTenantRun } from './provision.js';
export { setTenantSending } from './customer-status.js';
export type { TenantSendingChange } from './customer-status.js';
export { tenantForSending, recordTenantRefusal } from './sending.js';
export type { TenantForSending } from './sending.js';
export { TenantSendingDisabledError } from './errors.js';
export { createD1TenantStore } from './d1-tenant-store.js';
export type {
  TenantRecord,
  TenantResourceRecord,
  TenantResources,
  TenantResourceKind,
  TenantSendingStatus,
  TenantState,
  TenantStore,
} from './d1-tenant-store.js';
export { retryAt, TENANT_RETRY_BASE_MS, TENANT_RETRY_MAX_MS, TENANT_STATUS_RECHECK_MS } from './backoff.js';
export { tenantResourceArn } from './ses-tenant-calls.js';
export { sesTenantName, organizationIdOfTenant } from '../shared/ses-tenant.js';
export { DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
export type { SesClientInput } from '../ses/client.js';
