import type { D1Database } from '@cloudflare/workers-types';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { createD1TenantStore } from './d1-tenant-store.js';
import { workOnTenant } from './tenant-work.js';

/** What {@link setTenantSending} did, for the guard's audit log. */
export interface TenantSendingChange {
  /** True when SES took the status now; false when it is pending (retried by the cron). */
  done: boolean;
  /** E.g. `tenant org-acme: customer-managed status DISABLED at SES; its sending status is DISABLED`. */
  note: string;
}

/**
 * The reputation guard's pause (`enabled: false`: customer-managed status DISABLED) or lift
 * (`enabled: true`: REINSTATED) of an organisation's SES tenant. The wish is recorded first, then
 * the call is made (UpdateReputationEntityCustomerManagedStatus, then GetTenant for the sending
 * status that results: SES's own status still applies). Never throws for an SES error: a failed
 * call, or no credentials, stays pending and the cron retries it. Null when the organisation has
 * no tenant: the guard then pauses its configuration set instead.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
 */
export async function setTenantSending(options: {
  adminDb: D1Database;
  ses: SesClientInput | null | undefined;
  organizationId: string;
  enabled: boolean;
  now: number;
}): Promise<TenantSendingChange | null> {
  const store = createD1TenantStore(options.adminDb);
  const status = options.enabled ? 'REINSTATED' : 'DISABLED';
  if (!(await store.requestCustomerStatus(options.organizationId, status, options.now))) return null;
  const pending = `tenant ${options.organizationId}: customer-managed status ${status} at SES pending`;
  if (!options.ses) return { done: false, note: `${pending} (no AWS credentials configured)` };
  const ses = resolveSesClient(options.ses);
  // A tenant still to create is created first, then given its status.
  for (let step = 0; step < 2; step++) {
    const row = await store.get(options.organizationId);
    if (!row?.customerStatusPending) break;
    const outcome = await workOnTenant(ses, store, row, options.now);
    if ('failed' in outcome) return { done: false, note: `${pending}, retried by the cron (${outcome.failed})` };
    if (outcome.done === 'customer-status') return { done: true, note: outcome.note };
  }
  return { done: false, note: `${pending} (retried by the cron)` };
}
