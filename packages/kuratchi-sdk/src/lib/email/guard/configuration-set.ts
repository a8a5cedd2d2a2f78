import { PutConfigurationSetSendingOptionsCommand } from '@aws-sdk/client-sesv2';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';

/**
 * Enables or disables sending on an organisation's own configuration set at SES
 * (PutConfigurationSetSendingOptions), so that a pause also holds for mail sent around the SDK.
 * `ses` is the client or its configuration (the dashboard's `readConfig(env).ses`). Returns what
 * happened, for the audit log: never throws (the guard's own state is the pause).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export async function setConfigurationSetSending(
  ses: SesClientInput | null | undefined,
  configurationSetName: string | null,
  enabled: boolean,
): Promise<string | null> {
  if (!configurationSetName) return null;
  if (!ses) return `${configurationSetName}: not changed (no AWS credentials configured)`;
  try {
    await resolveSesClient(ses).send(
      new PutConfigurationSetSendingOptionsCommand({
        ConfigurationSetName: configurationSetName,
        SendingEnabled: enabled,
      }),
    );
    return `${configurationSetName}: sending ${enabled ? 'enabled' : 'disabled'} at SES`;
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `${configurationSetName}: ${enabled ? 'enabling' : 'disabling'} sending at SES failed (${text})`;
  }
}
