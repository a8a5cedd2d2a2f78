import { refuseFirehoseRequest } from 'kuratchi-sdk/internal/tracking';
import { ConfigError, readConfig, type DashboardConfig } from './config';
import { emailTracking } from './tracking';

interface FirehoseContext {
  request: Request;
  platform: App.Platform | undefined;
}

/**
 * What the endpoint answers while its settings are invalid, to anyone: the access key cannot be
 * checked without them, so the answer names no setting (the log and the superadmin's overview do).
 */
export const FIREHOSE_MISCONFIGURED = 'misconfigured: the endpoint is unavailable until its settings are fixed';

/**
 * The Firehose HTTP endpoint route (`SES_FIREHOSE_PATH`): the configuration, then the SDK's
 * endpoint (`createEmailTracking(...).firehose`: access key, records, queue or record). A
 * configuration error answers 503 {@link FIREHOSE_MISCONFIGURED}, which Firehose retries (any
 * answer but 200 is a failed delivery), and logs which settings are bad.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export async function handleFirehoseDelivery({ request, platform }: FirehoseContext): Promise<Response> {
  let config: DashboardConfig;
  try {
    // The sections the endpoint reads, validated now so their error is the misconfigured answer.
    config = readConfig(platform?.env, 'firehose', 'park');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return refuseFirehoseRequest(request, 503, 'misconfigured', FIREHOSE_MISCONFIGURED, new Date(), error.message);
  }
  return emailTracking(platform!.env, config).firehose(request, platform?.context);
}
