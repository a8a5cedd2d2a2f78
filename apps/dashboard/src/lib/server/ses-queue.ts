import type { MessageBatch } from '@cloudflare/workers-types';
import { createEmailTracking, DEFAULT_DEAD_LETTER_QUEUE_NAME } from 'kuratchi-sdk/internal/tracking';
import { consumeWebhookBatch } from 'kuratchi-sdk/internal/webhooks';
import { readConfig } from './config';
import { emailTracking } from './tracking';

/**
 * Name of the SES events queue (wrangler.toml `[[queues.producers]]` and `[[queues.consumers]]`).
 * @see https://developers.cloudflare.com/queues/configuration/configure-queues/
 */
export const SES_EVENTS_QUEUE_NAME = 'kuratchi-ses-events';
/**
 * Name of its dead-letter queue: where a message goes after the consumer failed on it
 * `max_retries` times. This Worker consumes it too, into the admin dead-letter table.
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 */
export const SES_EVENTS_DEAD_LETTER_QUEUE_NAME = DEFAULT_DEAD_LETTER_QUEUE_NAME;

/**
 * Name of the outbound webhooks queue (wrangler.toml): recorded events, fanned out to the
 * organisations' endpoints by `consumeWebhookBatch`, and the delayed retries of deliveries.
 * @see https://developers.cloudflare.com/queues/configuration/configure-queues/
 */
export const WEBHOOK_QUEUE_NAME = 'kuratchi-webhooks';

/**
 * The Worker's `queue` handler: a batch of the outbound webhooks queue is delivered; a batch of
 * the dead-letter queue goes to the admin dead-letter
 * table; any other batch is SES events, applied on the same stores as the webhook (the SDK
 * façade's `queue`). A configuration error throws, so
 * Queues delivers the whole batch again (nothing is acked).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#consumer
 */
export async function consumeQueueBatch(batch: MessageBatch<unknown>, env: DashboardEnv): Promise<void> {
  if (batch.queue === WEBHOOK_QUEUE_NAME) {
    if (!env.WEBHOOK_QUEUE)
      throw new Error('WEBHOOK_QUEUE is not bound: retries of outbound webhooks need its producer');
    await consumeWebhookBatch(batch, { db: env.ADMIN_DB, queue: env.WEBHOOK_QUEUE });
    return;
  }
  // The dead-letter queue needs no settings: a configuration error must not keep its messages
  // from the dead-letter table (past its own retries they would be gone).
  const tracking =
    batch.queue === SES_EVENTS_DEAD_LETTER_QUEUE_NAME
      ? createEmailTracking({ env: env as unknown as Record<string, unknown>, allowedTopicArns: [] })
      : emailTracking(env, readConfig(env));
  await tracking.queue(batch);
}
