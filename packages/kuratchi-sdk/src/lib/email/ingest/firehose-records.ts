import { base64ToBytes } from '../shared/encoding.js';
import { SesEventParseError } from '../ses-events/errors.js';
import { JsonSplitError, splitJsonObjects } from './json-objects.js';
import type { SesEventQueueMessage } from './queue-message.js';
import type { SesEventSource } from '../model.js';
import { unsignedSesEventMessage } from './unsigned-event.js';

/** Largest SES event record accepted, in characters (SES records are a few KB; SNS caps them at 256 KB). */
const MAX_RECORD_CHARS = 262_144;

/**
 * What one SES event record of an unsigned batch (Firehose, an import) became: the queue message
 * to apply, or why it was refused (not an SES event: acknowledged and counted, never retried,
 * since no retry can make it one).
 */
export type UnsignedRecord = { message: SesEventQueueMessage } | { refused: string };

/**
 * The SES event record texts of one Firehose record's `data`: base64, UTF-8, holding one SES
 * event record (the JSON SES publishes), possibly newline-terminated, or several back to back
 * (a producer that aggregates).
 * @throws {Error} naming what is wrong (not base64, not UTF-8, not a sequence of JSON objects).
 * @see https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html (records[].data)
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html
 */
export function firehoseRecordTexts(data: string): string[] {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(data);
  } catch {
    throw new Error('data is not base64');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new Error('data is not UTF-8');
  }
  try {
    const objects = splitJsonObjects(text, MAX_RECORD_CHARS);
    if (objects.length === 0) throw new Error('data holds no JSON object');
    return objects;
  } catch (error) {
    if (error instanceof JsonSplitError) throw new Error(`data: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The queue messages of SES event records that carry no SNS signature (`unsignedSesEventMessage`
 * with `source` and the time they were received), one result per text, in order; a text that is
 * not an SES event record is `refused` with the parser's reason.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html
 */
export async function unsignedEventMessages(
  texts: readonly string[],
  source: Exclude<SesEventSource, 'sns' | 'redrive'>,
  receivedAt: Date,
): Promise<UnsignedRecord[]> {
  return Promise.all(
    texts.map(async (text): Promise<UnsignedRecord> => {
      try {
        return { message: await unsignedSesEventMessage(text, source, receivedAt) };
      } catch (error) {
        if (error instanceof SesEventParseError) return { refused: error.message };
        throw error;
      }
    }),
  );
}
