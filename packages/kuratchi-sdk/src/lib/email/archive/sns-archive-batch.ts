import { readArchivedSnsMetadata } from './archive-metadata.js';
import type { ArchivedSnsMessage, SnsArchive } from './ports.js';
import { snsArchiveHourPrefix } from './sns-archive.js';

/**
 * Between a batch object's key and an SNS MessageId in the key of a message archived in a batch:
 * `sns/YYYY/MM/DD/HH/batch-<id>.ndjson#<SNS MessageId>`. No object key of the archive holds it.
 */
export const BATCH_ENTRY_SEPARATOR = '#';

/**
 * The key of a batch object: `sns/YYYY/MM/DD/HH/batch-<id>.ndjson` (`sns-d<days>/…` for messages
 * of organisations with that archive override), by the hour it is archived (UTC). That hour is
 * never before any of its messages' SNS Timestamps, so a rebuild from an hour on still finds
 * them, the R2 lifecycle rule of its prefix expires the object with the rest, and a proof's
 * `archive-expired` reads the archive hour and days from the key as for a message's own object.
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/
 */
export function snsArchiveBatchKey(at: Date, id: string = crypto.randomUUID(), archiveDays?: number): string {
  return `${snsArchiveHourPrefix(at, archiveDays)}batch-${id}.ndjson`;
}

/** The key of one message of the batch object at `batchKey`. */
export function batchEntryKey(batchKey: string, snsMessageId: string): string {
  return `${batchKey}${BATCH_ENTRY_SEPARATOR}${snsMessageId}`;
}

/** The object key of an archive key, and the SNS MessageId when it names a message in a batch. */
export function splitArchiveKey(key: string): { objectKey: string; snsMessageId?: string } {
  const at = key.indexOf(BATCH_ENTRY_SEPARATOR);
  return at < 0 ? { objectKey: key } : { objectKey: key.slice(0, at), snsMessageId: key.slice(at + 1) };
}

/**
 * A batch object's body: one JSON line per message (NDJSON), its metadata and its POST body as
 * received (`body`, a JSON string: the exact text SNS posted).
 * @see https://github.com/ndjson/ndjson-spec
 */
export function encodeArchiveBatch(messages: readonly ArchivedSnsMessage[]): string {
  return messages.map(({ body, metadata }) => JSON.stringify({ ...metadata, body })).join('\n') + '\n';
}

/** The messages of a batch object's body (lines this archive did not write are skipped). */
export function decodeArchiveBatch(text: string): ArchivedSnsMessage[] {
  const messages: ArchivedSnsMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const metadata = readArchivedSnsMetadata(value);
    const body = (value as { body?: unknown }).body;
    if (metadata && typeof body === 'string') messages.push({ body, metadata });
  }
  return messages;
}

/**
 * Archives a queue batch's SNS messages (verified by the webhook, whose certificates it archived)
 * as one batch object per archive retention among them (`archiveDaysOf`: a message's
 * organisation's override, or undefined for the deployment's; usually one object), keyed by
 * `now`; resolves with each message's archive key by SNS MessageId once every object is stored,
 * and throws what the archive throws (the consumer then retries the batch: nothing is recorded
 * unarchived).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#bucket-method-definitions
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/ (a rule per prefix)
 */
export async function archiveSnsMessageBatch(
  archive: SnsArchive,
  messages: readonly ArchivedSnsMessage[],
  now: Date,
  archiveDaysOf: (message: ArchivedSnsMessage) => number | undefined = () => undefined,
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const groups = new Map<number | undefined, ArchivedSnsMessage[]>();
  for (const message of messages) {
    const days = archiveDaysOf(message);
    const group = groups.get(days);
    if (group) group.push(message);
    else groups.set(days, [message]);
  }
  await Promise.all(
    [...groups].map(async ([days, group]) => {
      const key = snsArchiveBatchKey(now, undefined, days);
      await archive.putBatch(key, group);
      for (const { metadata } of group) keys.set(metadata.snsMessageId, batchEntryKey(key, metadata.snsMessageId));
    }),
  );
  return keys;
}
