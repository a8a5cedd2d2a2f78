import { describe, expect, it } from 'vitest';
import { MAX_QUEUE_MESSAGE_BYTES, queueMessageBytes, type SesEventQueueMessage } from './queue-message.js';
import { MAX_SEND_BATCH_BYTES, MAX_SEND_BATCH_MESSAGES, queueSendBatches } from './queue-batches.js';

const message = (i: number, size: number): SesEventQueueMessage => ({
  v: 1,
  snsMessageId: `content:${i}`,
  snsTimestamp: 0,
  message: 'x'.repeat(size),
});

describe('queueSendBatches', () => {
  it('keeps every batch within 100 messages and 256 KB with metadata, in order, none lost', () => {
    const messages = [
      ...Array.from({ length: 250 }, (_, i) => message(i, 10)),
      ...Array.from({ length: 30 }, (_, i) => message(300 + i, 30_000)),
    ];
    const { batches, inline } = queueSendBatches(messages);
    expect(inline).toEqual([]);
    expect(batches.flat()).toEqual(messages);
    for (const batch of batches) {
      expect(batch.length).toBeLessThanOrEqual(MAX_SEND_BATCH_MESSAGES);
      const bytes = batch.reduce((sum, m) => sum + queueMessageBytes(m) + 100, 0);
      expect(bytes).toBeLessThanOrEqual(MAX_SEND_BATCH_BYTES);
    }
    expect(batches.slice(0, 2).map((b) => b.length)).toEqual([100, 100]);
  });

  it('sends a message over the single-message limit inline', () => {
    const big = message(1, MAX_QUEUE_MESSAGE_BYTES);
    const { batches, inline } = queueSendBatches([message(0, 1), big, message(2, 1)]);
    expect(inline).toEqual([big]);
    expect(batches).toEqual([[message(0, 1), message(2, 1)]]);
  });
});
