import type { MessageBatch } from '@cloudflare/workers-types';
import { createD1DeadLetterStore } from 'kuratchi-sdk/email/d1';
import { consumeSesEventQueue, deadLetterSesEventQueue } from 'kuratchi-sdk/email/events';
import { readConfig } from './config';
import { d1EventSink } from './event-sink';

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
export const SES_EVENTS_DEAD_LETTER_QUEUE_NAME = 'kuratchi-ses-events-dlq';

/**
 * The Worker's `queue` handler: a batch of the dead-letter queue goes to the admin dead-letter
 * table (`deadLetterSesEventQueue`); any other batch is SES events, applied by the SDK's consumer
 * (`consumeSesEventQueue`) on the same D1 stores as the webhook. A configuration error throws, so
 * Queues delivers the whole batch again (nothing is acked).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#consumer
 */
export async function consumeQueueBatch(batch: MessageBatch<unknown>, env: DashboardEnv): Promise<void> {
  if (batch.queue === SES_EVENTS_DEAD_LETTER_QUEUE_NAME) {
    await deadLetterSesEventQueue(batch, createD1DeadLetterStore(env.ADMIN_DB), new Date());
    return;
  }
  await consumeSesEventQueue(batch, d1EventSink(env, readConfig(env)));
}
