import { createD1AdminStore } from 'kuratchi-sdk/internal/d1';
import { webhookAnswer } from 'kuratchi-sdk/internal/events';
import { webhookResponse } from 'kuratchi-sdk/internal/tracking';
import { ConfigError, readConfig, type DashboardConfig } from './config';
import { webhookTracking } from './tracking';

interface WebhookContext {
  request: Request;
  url: URL;
  platform: App.Platform | undefined;
}

/**
 * The SES events webhook route (`SES_WEBHOOK_PATH`): the configuration, then the SDK's webhook
 * (`createEmailTracking(...).webhook`: Basic credential, bounded body, verification, recording).
 * A configuration error is the contract's `misconfigured` answer (503: SNS retries), logged and
 * counted as every other answer.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export async function handleSesWebhook({ request, url, platform }: WebhookContext): Promise<Response> {
  const started = Date.now();
  let config: DashboardConfig;
  try {
    // The sections the webhook reads, validated now so their error is the misconfigured answer.
    config = readConfig(platform?.env, 'webhook', 'park');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const adminDb = platform?.env?.ADMIN_DB;
    const answer = webhookAnswer('misconfigured', { error: error.message }, 'misconfigured');
    return webhookResponse(
      answer,
      {
        ...(adminDb ? { adminStore: createD1AdminStore(adminDb) } : {}),
        ...(platform?.context ? { context: platform.context } : {}),
      },
      started,
    );
  }
  return webhookTracking(platform!.env, config, url).webhook(request, platform?.context);
}
