// STAND-IN for the lead's content-identity contract (common.md): replaced by main's file on merge.
import type { SesEventQueueMessage } from './queue-message.js';
import { parseSesEvent } from './ses-event.js';
import { bytesToBase64Url, utf8 } from '../shared/encoding.js';

/** Where an event came from (stand-in of model.ts `SesEventSource`). */
export type SesEventSource = 'sns' | 'redrive' | 'firehose' | 'import' | 'rebuild' | 'reconcile';

/**
 * Stand-in: the queue message of an SES event record that did not come through SNS; its
 * `snsMessageId` is `content:<hash>` so the same record twice is one row.
 * @throws {SesEventParseError} when the record is not an SES event.
 */
export async function unsignedSesEventMessage(
  record: string,
  _source: SesEventSource,
  receivedAt: Date,
): Promise<SesEventQueueMessage> {
  const event = parseSesEvent(record);
  const digest = await crypto.subtle.digest('SHA-256', utf8(JSON.stringify(event)));
  return {
    v: 1,
    snsMessageId: `content:${bytesToBase64Url(new Uint8Array(digest))}`,
    snsTimestamp: receivedAt.getTime(),
    message: record,
  };
}
