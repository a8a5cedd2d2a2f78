import type { SesEventSource } from '../model.js';
import { contentKeyedMessageId, sesEventContentId } from '../ses-events/content-identity.js';
import type { SesEventQueueMessage } from './queue-message.js';
import { parseSesEvent } from '../ses-events/ses-event.js';

/**
 * The queue message of an SES event record that did not come through SNS: a Kinesis Data Firehose
 * record (the HTTP endpoint, or a file Firehose wrote to S3 and `kuratchi-ses import` read). It has
 * no SNS MessageId, so it is keyed by its content identity (`content:<contentId>`): the same
 * record arriving twice, or also through SNS, is one event. Its time stands in for the SNS
 * Timestamp (`receivedAt`), so lag is measured from arrival.
 * Such a record carries no signature: only the authenticated paths (the Firehose access key, the
 * operations token) may call this.
 * @throws {SesEventParseError} when the record is not an SES event record.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-firehose-contents.html
 */
export async function unsignedSesEventMessage(
  record: string,
  source: Exclude<SesEventSource, 'sns' | 'redrive'>,
  receivedAt: Date,
): Promise<SesEventQueueMessage> {
  const event = parseSesEvent(record);
  return {
    v: 1,
    snsMessageId: contentKeyedMessageId(await sesEventContentId(event)),
    snsTimestamp: receivedAt.getTime(),
    message: record,
    source,
  };
}
