import { PutConfigurationSetSendingOptionsCommand } from '@aws-sdk/client-sesv2';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import type { ConfigurationSetSending } from './d1-guard-store.js';

/** What a call to {@link setConfigurationSetSending} did. */
export interface ConfigurationSetChange {
  /** The state to record: done (`disabled`, `enabled`) or still to do (`…-pending`). */
  sending: ConfigurationSetSending;
  /** For the audit log and the job's log line, e.g. `acme-set: sending disabled at SES`. */
  note: string;
}

/**
 * Enables or disables sending on an organisation's own configuration set at SES
 * (PutConfigurationSetSendingOptions), so that a pause also holds for mail sent around the SDK.
 * `ses` is the client or its configuration (the dashboard's `readConfig(env).ses`). Never throws
 * (the guard's own state is the pause): a failed call, or no credentials, is `…-pending`, which
 * each later evaluation retries. Null when the organisation has no configuration set of its own.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function setConfigurationSetSending(
  ses: SesClientInput | null | undefined,
  configurationSetName: string | null,
  enabled: boolean,
): Promise<ConfigurationSetChange | null> {
  if (!configurationSetName) return null;
  const pending: ConfigurationSetSending = enabled ? 'enable-pending' : 'disable-pending';
  const doing = enabled ? 'enabling' : 'disabling';
  if (!ses)
    return {
      sending: pending,
      note: `${configurationSetName}: ${doing} sending at SES pending (no AWS credentials configured)`,
    };
  try {
    await resolveSesClient(ses).send(
      new PutConfigurationSetSendingOptionsCommand({
        ConfigurationSetName: configurationSetName,
        SendingEnabled: enabled,
      }),
    );
    return {
      sending: enabled ? 'enabled' : 'disabled',
      note: `${configurationSetName}: sending ${enabled ? 'enabled' : 'disabled'} at SES`,
    };
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      sending: pending,
      note: `${configurationSetName}: ${doing} sending at SES failed, retried each run (${text})`,
    };
  }
}
