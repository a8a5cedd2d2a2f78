import { MAX_QUEUE_MESSAGE_BYTES, queueMessageBytes, type SesEventQueueMessage } from './queue-message.js';

/**
 * Most messages in one `sendBatch` call.
 * @see https://developers.cloudflare.com/queues/platform/limits/ ("Maximum messages per sendBatch call")
 */
export const MAX_SEND_BATCH_MESSAGES = 100;

/**
 * Most bytes in one `sendBatch` call (256 KB, 1 KB being 1,000 bytes), with ~100 bytes of internal
 * metadata counted per message.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
export const MAX_SEND_BATCH_BYTES = 256_000;
const METADATA_BYTES_PER_MESSAGE = 100;

/**
 * Splits messages into `sendBatch` calls within Queues' limits (≤100 messages, ≤256 KB with
 * metadata each), in order; a message over the single-message limit (`MAX_QUEUE_MESSAGE_BYTES`)
 * goes to `inline`, for the caller to apply in the request, never dropped.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export function queueSendBatches(messages: readonly SesEventQueueMessage[]): {
  batches: SesEventQueueMessage[][];
  inline: SesEventQueueMessage[];
} {
  const batches: SesEventQueueMessage[][] = [];
  const inline: SesEventQueueMessage[] = [];
  let current: SesEventQueueMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = queueMessageBytes(message);
    if (size > MAX_QUEUE_MESSAGE_BYTES) {
      inline.push(message);
      continue;
    }
    const cost = size + METADATA_BYTES_PER_MESSAGE;
    if (current.length === MAX_SEND_BATCH_MESSAGES || bytes + cost > MAX_SEND_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += cost;
  }
  if (current.length) batches.push(current);
  return { batches, inline };
}
