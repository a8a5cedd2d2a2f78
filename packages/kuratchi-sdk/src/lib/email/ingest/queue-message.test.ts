import { describe, expect, it } from 'vitest';
import {
  fitsQueueMessage,
  MAX_QUEUE_MESSAGE_BYTES,
  queueMessageBytes,
  type SesEventQueueMessage,
} from './queue-message.js';

const METADATA = {
  type: 'Notification',
  topicArn: 'arn:aws:sns:eu-west-1:123456789012:t\u0001',
  snsMessageId: 'sns-1',
  snsTimestamp: '2026-12-07T00:00:00.000Z',
  certificateUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem',
  certificateKey: 'certificates/x',
  certificateSha256: '0'.repeat(64),
} as const;

/** A queue message of `text`, as its SES event or, `raw`, half of it in the raw message it travels with. */
const message = (text: string, raw = false): SesEventQueueMessage => ({
  v: 1,
  snsMessageId: 'sns-1',
  snsTimestamp: 0,
  ...(raw
    ? { message: text.slice(0, text.length / 2), raw: { body: text.slice(text.length / 2), metadata: METADATA } }
    : { message: text }),
});

describe('fitsQueueMessage', () => {
  it('says what the UTF-8 size says, around the limit, with characters of 1 to 4 bytes and escapes', () => {
    // Each unit a character of that many UTF-8 bytes (or, for a control character, a 6-character escape).
    const units = [
      ['x', 1],
      ['é', 2],
      ['€', 3],
      ['👋', 4],
      ['\u0001', 6],
    ] as const;
    let fits = 0;
    let over = 0;
    for (const [unit, bytes] of units) {
      const around = Math.floor(MAX_QUEUE_MESSAGE_BYTES / bytes);
      for (const count of [around - 400, around - 40, around - 10, around, around + 10, Math.floor(around / 3)]) {
        for (const raw of [false, true]) {
          const queued = message(unit.repeat(count), raw);
          const expected = queueMessageBytes(queued) <= MAX_QUEUE_MESSAGE_BYTES;
          expect(fitsQueueMessage(queued), `${count} × ${JSON.stringify(unit)}, raw: ${raw}`).toBe(expected);
          if (expected) fits++;
          else over++;
        }
      }
    }
    // The cases cover both answers, and messages that fit only when counted in bytes.
    expect(fits).toBeGreaterThan(5);
    expect(over).toBeGreaterThan(5);
    expect(fitsQueueMessage(message('x'.repeat(MAX_QUEUE_MESSAGE_BYTES / 2)))).toBe(true);
  });
});
