import type { D1Database, MessageSendRequest, Queue } from '@cloudflare/workers-types';
import { utf8ByteLength } from '../shared/encoding.js';
import type { WebhookEventInput } from './payload.js';
import { webhookEventMessage, type WebhookQueueMessage } from './queue-message.js';
import { eventsWithWebhookAudience } from './webhook-audience.js';

/**
 * Queues' limits: 128 KB per message, 100 messages and 256 KB per `sendBatch` (1 KB = 1,000
 * bytes; ~100 bytes of metadata counted per message).
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
const MAX_MESSAGE_BYTES = 128_000 - 100;
const MAX_BATCH_BYTES = 256_000;
const MAX_BATCH_MESSAGES = 100;

/**
 * Enqueues recorded events for the outbound webhooks consumer: the ingest path's only webhook
 * work (no D1, no customer endpoint). Calls stay within Queues' limits; an event over 128 KB is
 * sent without `mail.headers` (SES's copy of the message headers, often the bulk), and one still
 * too big is logged and left out. With `audience`, only the events of organisations that have an
 * enabled endpoint are sent ({@link eventsWithWebhookAudience}: no query per event).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export async function enqueueWebhookEvents(
  queue: Queue<unknown>,
  recorded: readonly WebhookEventInput[],
  audience?: { adminDb: D1Database; now: number },
): Promise<void> {
  const events = audience ? await eventsWithWebhookAudience(audience.adminDb, recorded, audience.now) : recorded;
  const batches: MessageSendRequest<WebhookQueueMessage>[][] = [];
  let current: MessageSendRequest<WebhookQueueMessage>[] = [];
  let bytes = 0;
  for (const input of events) {
    let body = webhookEventMessage(input);
    let size = utf8ByteLength(JSON.stringify(body));
    if (size > MAX_MESSAGE_BYTES) {
      body = webhookEventMessage({
        ...input,
        event: { ...input.event, mail: { ...input.event.mail, headers: [], headersTruncated: true } },
      });
      size = utf8ByteLength(JSON.stringify(body));
    }
    if (size > MAX_MESSAGE_BYTES) {
      console.error(JSON.stringify({ msg: 'webhook-enqueue', outcome: 'too-large', contentId: input.contentId, size }));
      continue;
    }
    if (current.length === MAX_BATCH_MESSAGES || bytes + size + 100 > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ body, contentType: 'json' });
    bytes += size + 100;
  }
  if (current.length) batches.push(current);
  for (const batch of batches) await queue.sendBatch(batch);
}
