import { SESv2Client, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';

/**
 * An SESv2 client, or the configuration to create one (`region`, `credentials`, `endpoint`…).
 * In Workers pass `credentials` explicitly: the SDK's default credential chain reads files and
 * the environment, which only exist in Node.
 * @see https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/client/sesv2/
 */
export type SesClientInput = SESv2Client | SESv2ClientConfig;

/** The client itself, or a new one created from the configuration. */
export function resolveSesClient(input: SesClientInput): SESv2Client {
  return isClient(input) ? input : new SESv2Client(input);
}

function isClient(input: SesClientInput): input is SESv2Client {
  // Duck-typed: another copy of the AWS SDK in the bundle would fail `instanceof`.
  return typeof (input as { send?: unknown }).send === 'function';
}
