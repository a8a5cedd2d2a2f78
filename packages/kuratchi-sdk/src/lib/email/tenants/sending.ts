import type { D1Database } from '@cloudflare/workers-types';
import { createD1TenantStore } from './d1-tenant-store.js';

/** What `sendEmail` knows of an organisation's tenant before calling SES. */
export interface TenantForSending {
  tenantName: string;
  /** SES's sending status as last read is DISABLED: the send is refused. */
  disabled: boolean;
  /**
   * Whether the tenant may carry a message with this configuration set and sender: the tenant
   * exists and both are associated with it (the sender by its address or by its domain). SES
   * refuses a send with `TenantName` that references a resource the tenant lacks, so until then
   * the message goes without it.
   */
  covers(configurationSetName: string, from: string): boolean;
}

/**
 * The organisation's tenant as `sendEmail` needs it (one primary-key query of the admin
 * database), or null when it has none (or only one being deleted).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/tenants.html
 */
export async function tenantForSending(adminDb: D1Database, organizationId: string): Promise<TenantForSending | null> {
  const row = await createD1TenantStore(adminDb).forSending(organizationId);
  if (!row || row.state === 'delete-pending') return null;
  const associated = new Set(row.associated);
  return {
    tenantName: row.tenantName,
    disabled: row.sendingStatus === 'DISABLED',
    covers(configurationSetName, from) {
      const address = from.toLowerCase();
      const domain = address.slice(address.lastIndexOf('@') + 1);
      return (
        row.state === 'created' &&
        associated.has(`configuration-set:${configurationSetName}`) &&
        (associated.has(`identity:${address}`) || associated.has(`identity:${domain}`))
      );
    },
  };
}

/**
 * Records that SES refused a send with the tenant as paused (SendingPausedException): the tenant
 * is DISABLED until the cron reads its status again.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export async function recordTenantRefusal(adminDb: D1Database, organizationId: string, now: number): Promise<void> {
  await createD1TenantStore(adminDb).recordSendingStatus(organizationId, 'DISABLED', now);
}
