import { SES_EVENT_SOURCES, type EventProvenance, type SesEventSource } from '../model.js';
import { readArchivedSnsMetadata } from '../archive/archive-metadata.js';
import type { ArchivedSnsMessage } from '../archive/ports.js';

/**
 * The message the webhook sends to the SES events queue in queued mode, one per verified SNS
 * Notification: the SNS ids and time the consumer needs (idempotency by SNS MessageId, the lag
 * from the SNS Timestamp) and the verified SNS `Message` (the SES event record JSON) as received.
 * Only verified messages are ever enqueued, so the consumer trusts a well-formed body; it still
 * checks the shape, because a queue can hold messages of an older or newer deployment.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 */
export interface SesEventQueueMessage {
  /** Format version of this body. */
  v: 1;
  /** The SNS MessageId (the idempotency key of the event). */
  snsMessageId: string;
  /** The SNS Timestamp, epoch ms. */
  snsTimestamp: number;
  /** The verified SNS Message: the SES event record JSON. */
  message: string;
  /** How the event reached us; absent means `sns`. */
  source?: SesEventSource;
  /** The R2 key of the raw signed SNS message, when the raw archive is bound. */
  archiveKey?: string;
  /**
   * The raw signed SNS message and its archive metadata, for the consumer to archive (one batch
   * object per batch, before it records anything): queued mode with the raw archive bound, when
   * the message fits in a queue message. Absent once archived (`archiveKey` then names it).
   */
  raw?: ArchivedSnsMessage;
  /**
   * The webhook answered `queued` and left its figures to the consumer (`received`, `verified`,
   * `notification`, `outcome:queued`: `queuedAnswerCounterNames`), which adds them to its batch's
   * write once it acks the message, so the POST writes nothing after its response.
   */
  answer?: 'queued';
}

/**
 * Largest queue message body, in bytes: Cloudflare Queues refuse messages over 128 KB. An SNS
 * Message can be up to 256 KB, so a larger event is applied inline instead (direct mode for that
 * one event), never dropped.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export const MAX_QUEUE_MESSAGE_BYTES = 128_000;

/**
 * Sends one message to the SES events queue, resolving once the queue has accepted it (a Queue
 * binding's `send`, with `contentType: 'json'`).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export type EnqueueSesEvent = (message: SesEventQueueMessage) => Promise<void>;

/**
 * The queue message of a verified SNS Notification; with `raw`, the consumer archives it.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 */
export function sesEventQueueMessage(
  notification: { MessageId: string; Timestamp: string; Message: string },
  provenance: EventProvenance = {},
  raw?: ArchivedSnsMessage,
): SesEventQueueMessage {
  return {
    v: 1,
    snsMessageId: notification.MessageId,
    snsTimestamp: Date.parse(notification.Timestamp),
    message: notification.Message,
    ...provenanceFields(provenance),
    ...(raw ? { raw } : {}),
  };
}

/** The provenance of a queue message (the inverse of the fields `sesEventQueueMessage` adds). */
export function queueMessageProvenance(message: SesEventQueueMessage): EventProvenance {
  return provenanceFields(message);
}

function provenanceFields({ source, archiveKey }: EventProvenance): EventProvenance {
  return {
    ...(source && source !== 'sns' ? { source } : {}),
    ...(archiveKey ? { archiveKey } : {}),
  };
}

/** Size of a queue message body as JSON, in UTF-8 bytes (what the 128 KB limit counts). */
export function queueMessageBytes(message: SesEventQueueMessage): number {
  return utf8Bytes(JSON.stringify(message));
}

/**
 * Whether a queue message is within {@link MAX_QUEUE_MESSAGE_BYTES}, without encoding it when an
 * upper bound already fits: in JSON, a character of a string takes at most 6 bytes (`\u001f`, and
 * a character left as is takes at most 3 in UTF-8), so the SES event and the raw message count 6
 * bytes a character and the rest (ids, metadata) is encoded. Every SES event but the largest is
 * known to fit that way; the others are encoded to know.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-7
 */
export function fitsQueueMessage(message: SesEventQueueMessage): boolean {
  const large = message.message.length + (message.raw?.body.length ?? 0);
  const rest = { ...message, message: '', ...(message.raw ? { raw: { ...message.raw, body: '' } } : {}) };
  if (6 * large + 3 * JSON.stringify(rest).length <= MAX_QUEUE_MESSAGE_BYTES) return true;
  return queueMessageBytes(message) <= MAX_QUEUE_MESSAGE_BYTES;
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/**
 * The queue message in `body`, or null when it is not one this version reads (the consumer acks
 * it with an error log line and the `consumer:unreadable` counter, rather than retrying what can
 * never succeed: only this SDK's webhook writes to the queue).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#message
 */
export function readSesEventQueueMessage(body: unknown): SesEventQueueMessage | null {
  if (typeof body !== 'object' || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.v !== 1) return null;
  if (typeof m.snsMessageId !== 'string' || m.snsMessageId === '') return null;
  if (typeof m.snsTimestamp !== 'number' || !Number.isFinite(m.snsTimestamp)) return null;
  if (typeof m.message !== 'string') return null;
  if (m.source !== undefined && !(SES_EVENT_SOURCES as readonly unknown[]).includes(m.source)) return null;
  if (m.archiveKey !== undefined && (typeof m.archiveKey !== 'string' || m.archiveKey === '')) return null;
  const raw = m.raw === undefined ? undefined : readRaw(m.raw);
  if (raw === null) return null;
  return {
    v: 1,
    snsMessageId: m.snsMessageId,
    snsTimestamp: m.snsTimestamp,
    message: m.message,
    ...provenanceFields({
      source: m.source as SesEventSource | undefined,
      archiveKey: m.archiveKey as string | undefined,
    }),
    ...(raw ? { raw } : {}),
    ...(m.answer === 'queued' ? { answer: 'queued' as const } : {}),
  };
}

/** The `raw` of a queue message, or null when it is not one this version wrote. */
function readRaw(value: unknown): ArchivedSnsMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { body, metadata } = value as Record<string, unknown>;
  const read = readArchivedSnsMetadata(metadata);
  return typeof body === 'string' && read ? { body, metadata: read } : null;
}
