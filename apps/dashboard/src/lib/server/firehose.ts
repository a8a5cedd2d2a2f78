import { refuseFirehoseRequest } from 'kuratchi-sdk/internal/tracking';
import { ConfigError, readConfig, type DashboardConfig } from './config';
import { emailTracking } from './tracking';

interface FirehoseContext {
  request: Request;
  platform: App.Platform | undefined;
}

/**
 * The Firehose HTTP endpoint route (`SES_FIREHOSE_PATH`): the configuration, then the SDK's
 * endpoint (`createEmailTracking(...).firehose`: access key, records, queue or record). A
 * configuration error answers 500, which Firehose retries.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html
 */
export async function handleFirehoseDelivery({ request, platform }: FirehoseContext): Promise<Response> {
  let config: DashboardConfig;
  try {
    // The sections the endpoint reads, validated now so their error is the misconfigured answer.
    config = readConfig(platform?.env, 'firehose', 'park');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return refuseFirehoseRequest(request, 500, 'misconfigured', error.message);
  }
  return emailTracking(platform!.env, config).firehose(request, platform?.context);
}
