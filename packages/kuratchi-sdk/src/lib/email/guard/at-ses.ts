import type { D1Database } from '@cloudflare/workers-types';
import type { SesClientInput } from '../ses/client.js';
import { setTenantSending } from '../tenants/customer-status.js';
import { setConfigurationSetSending } from './configuration-set.js';
import type { ConfigurationSetCall, ConfigurationSetSending } from './d1-guard-store.js';

/** What the guard's pause or lift did at SES. */
export interface SendingChangeAtSes {
  /** The organisation's configuration set state to record; null when its tenant was used. */
  sending: ConfigurationSetSending | null;
  /** The configuration set call made, to record with the state (`GuardStateWrite.call`); absent for a tenant. */
  call?: ConfigurationSetCall;
  /** For the audit log and the job's log line. */
  note: string;
}

/**
 * The guard's pause (`enabled: false`) or lift at SES: the organisation's SES tenant when it has
 * one (customer-managed status DISABLED or REINSTATED, retried by the tenant cron when it fails),
 * else its own configuration set (retried by the guard's evaluations). Null when it has neither.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function setSendingAtSes(options: {
  adminDb: D1Database;
  ses: SesClientInput | null | undefined;
  organizationId: string;
  enabled: boolean;
  now: number;
  configurationSetOf: () => Promise<string | null>;
}): Promise<SendingChangeAtSes | null> {
  const tenant = await setTenantSending(options);
  if (tenant) return { sending: null, note: tenant.note };
  return setConfigurationSetSending({ ...options, configurationSetName: await options.configurationSetOf() });
}
