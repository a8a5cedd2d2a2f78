import type { D1Database } from '@cloudflare/workers-types';
import { PutConfigurationSetSendingOptionsCommand } from '@aws-sdk/client-sesv2';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { createD1ReputationGuardStore, type ConfigurationSetCall } from './d1-guard-store.js';

/** What a call to {@link setConfigurationSetSending} did. */
export interface ConfigurationSetChange {
  /** The call's outcome: done (`disabled`, `enabled`) or still to do (`…-pending`). */
  sending: ConfigurationSetCall['sending'];
  /**
   * The call's number and outcome, to record with the guard's state (`GuardStateWrite.call`):
   * its outcome holds only while no later call was started.
   */
  call: ConfigurationSetCall;
  /** For the audit log and the job's log line, e.g. `acme-set: sending disabled at SES`. */
  note: string;
}

/**
 * Enables or disables sending on an organisation's own configuration set at SES
 * (PutConfigurationSetSendingOptions), so that a pause also holds for mail sent around the SDK.
 * The call first takes the next number of the organisation's calls (`takeConfigurationSetCall`),
 * so a call that ends after a later one started (a cron retry of a pause still in flight while a
 * superadmin lifts) never has the last word: see {@link ConfigurationSetCall}.
 * `ses` is the client or its configuration (the dashboard's `readConfig(env).ses`). Never throws
 * for an SES error (the guard's own state is the pause): a failed call, or no credentials, is
 * `…-pending`, which each later evaluation retries. Null when the organisation has no
 * configuration set of its own.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function setConfigurationSetSending(options: {
  adminDb: D1Database;
  ses: SesClientInput | null | undefined;
  organizationId: string;
  configurationSetName: string | null;
  enabled: boolean;
}): Promise<ConfigurationSetChange | null> {
  const { ses, configurationSetName: name, enabled } = options;
  if (!name) return null;
  const number = await createD1ReputationGuardStore(options.adminDb).takeConfigurationSetCall(options.organizationId);
  const change = (sending: ConfigurationSetCall['sending'], note: string) => ({
    sending,
    call: { number, sending },
    note,
  });
  const pending = enabled ? 'enable-pending' : 'disable-pending';
  const doing = enabled ? 'enabling' : 'disabling';
  if (!ses) return change(pending, `${name}: ${doing} sending at SES pending (no AWS credentials configured)`);
  try {
    await resolveSesClient(ses).send(
      new PutConfigurationSetSendingOptionsCommand({ ConfigurationSetName: name, SendingEnabled: enabled }),
    );
    const done = enabled ? 'enabled' : 'disabled';
    return change(done, `${name}: sending ${done} at SES`);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return change(pending, `${name}: ${doing} sending at SES failed, retried each run (${text})`);
  }
}
