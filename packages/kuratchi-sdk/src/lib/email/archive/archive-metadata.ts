import type { ArchivedSnsMessageMetadata } from './ports.js';

const METADATA_FIELDS = [
  'type',
  'topicArn',
  'snsMessageId',
  'snsTimestamp',
  'certificateUrl',
  'certificateKey',
  'certificateSha256',
] as const;
const OPTIONAL_FIELDS = ['sesMessageId', 'eventType'] as const;

/**
 * The archive metadata in `value` (an object's R2 `customMetadata`, an entry of a batch object,
 * the archive part of a queue message), or null when it is not metadata this archive wrote.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#r2putoptions
 */
export function readArchivedSnsMetadata(value: unknown): ArchivedSnsMessageMetadata | null {
  if (typeof value !== 'object' || value === null) return null;
  const custom = value as Record<string, unknown>;
  for (const field of METADATA_FIELDS) if (typeof custom[field] !== 'string') return null;
  for (const field of OPTIONAL_FIELDS)
    if (custom[field] !== undefined && typeof custom[field] !== 'string') return null;
  const type = custom.type;
  if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') return null;
  const text = custom as Record<string, string>;
  return {
    type,
    topicArn: text.topicArn!,
    snsMessageId: text.snsMessageId!,
    snsTimestamp: text.snsTimestamp!,
    certificateUrl: text.certificateUrl!,
    certificateKey: text.certificateKey!,
    certificateSha256: text.certificateSha256!,
    ...(text.sesMessageId ? { sesMessageId: text.sesMessageId } : {}),
    ...(text.eventType ? { eventType: text.eventType } : {}),
  };
}
