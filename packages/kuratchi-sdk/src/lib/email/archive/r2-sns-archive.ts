import { DEFAULT_ARCHIVE_PREFIX } from '../shared/archive-days.js';
import type { R2Bucket, R2ListOptions } from '@cloudflare/workers-types';
import { readArchivedSnsMetadata } from './archive-metadata.js';
import type { ArchivedSnsMessage, ArchivedSnsMessageEntry, ArchivedSnsMessagePage, SnsArchive } from './ports.js';
import { batchEntryKey, decodeArchiveBatch, encodeArchiveBatch, splitArchiveKey } from './sns-archive-batch.js';

/** Options of {@link createR2SnsArchive}. */
export interface R2SnsArchiveOptions {
  /**
   * Certificate keys known to be archived already, so a warm isolate writes (and checks) each
   * certificate once rather than once per message. Keep one per isolate, as the signing key
   * cache; it holds only public archive keys. Default: a set of this archive's own.
   */
  knownCertificates?: Set<string>;
}

/** Most certificate keys remembered (SNS uses a few certificates at a time). */
const MAX_KNOWN_CERTIFICATES = 64;
/** What R2 lists at most per call. */
const MAX_LIST_LIMIT = 1000;
/** Most batch objects whose decoded messages an archive keeps (those of the last listing). */
const MAX_CACHED_BATCHES = 1000;
/** `customMetadata.layout` of a batch object. */
const BATCH_LAYOUT = 'batch';
/** Marks a cursor of this adapter's own: the key to list after (a listing stopped mid-page). */
const AFTER_KEY = 'after:';

/** A batch object's messages by SNS MessageId, with its upload time. */
interface DecodedBatch {
  messages: Map<string, ArchivedSnsMessage>;
  uploaded: Date;
}

/**
 * The raw archive on an R2 bucket (binding `SES_ARCHIVE`), in two layouts read alike: a message's
 * own object (the webhook's) whose body is the POST body (`text/plain; charset=UTF-8`, as SNS
 * posts it) and whose `customMetadata` is its `ArchivedSnsMessageMetadata`; and a batch object
 * (the queue consumer's, `sns-archive-batch.ts`: NDJSON, `customMetadata.layout` `batch`), whose
 * messages are read at `<key>#<SNS MessageId>`. Each certificate is one PEM object, written only
 * when no object is at its key yet (`onlyIf`: etag does not match `*`). Listing asks R2 for the
 * custom metadata, so a rebuild filters own objects without reading bodies; a batch object is
 * read once per listing (and kept for the reads that follow).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#conditional-operations
 */
export function createR2SnsArchive(bucket: R2Bucket, options: R2SnsArchiveOptions = {}): SnsArchive {
  const known = options.knownCertificates ?? new Set<string>();
  const batches = new Map<string, DecodedBatch | null>();

  async function readBatch(key: string): Promise<DecodedBatch | null> {
    if (batches.has(key)) return batches.get(key)!;
    const object = await bucket.get(key);
    const decoded = object
      ? {
          messages: new Map(decodeArchiveBatch(await object.text()).map((m) => [m.metadata.snsMessageId, m])),
          uploaded: object.uploaded,
        }
      : null;
    if (batches.size >= MAX_CACHED_BATCHES) batches.clear();
    batches.set(key, decoded);
    return decoded;
  }

  return {
    async putMessage(key, body, metadata) {
      await bucket.put(key, body, {
        httpMetadata: { contentType: 'text/plain; charset=UTF-8' },
        customMetadata: { ...metadata },
      });
    },

    async putBatch(key, messages) {
      await bucket.put(key, encodeArchiveBatch(messages), {
        httpMetadata: { contentType: 'application/x-ndjson' },
        customMetadata: { layout: BATCH_LAYOUT, messages: String(messages.length) },
      });
    },

    async putCertificate(key, pem, metadata) {
      if (known.has(key)) return;
      if (!(await bucket.head(key))) {
        await bucket.put(key, pem, {
          httpMetadata: { contentType: 'application/x-pem-file' },
          customMetadata: { url: metadata.url, sha256: metadata.sha256 },
        });
      }
      if (known.size >= MAX_KNOWN_CERTIFICATES) known.clear();
      known.add(key);
    },

    async getMessage(key) {
      const { objectKey, snsMessageId } = splitArchiveKey(key);
      if (snsMessageId !== undefined) {
        const batch = await readBatch(objectKey);
        const message = batch?.messages.get(snsMessageId);
        return batch && message ? { ...message, uploaded: batch.uploaded } : null;
      }
      const object = await bucket.get(key);
      if (!object) return null;
      const body = await object.text();
      const metadata = readArchivedSnsMetadata(object.customMetadata);
      return metadata ? { body, metadata, uploaded: object.uploaded } : null;
    },

    async getCertificate(key) {
      const object = await bucket.get(key);
      return object ? await object.text() : null;
    },

    async listMessages({ prefix, cursor, startAfter, limit }): Promise<ArchivedSnsMessagePage> {
      const most = Math.min(Math.max(1, limit), MAX_LIST_LIMIT);
      const after = cursor?.startsWith(AFTER_KEY) ? cursor.slice(AFTER_KEY.length) : undefined;
      // `include` is honoured from compatibility date 2022-08-04 on (the base types lack it).
      const listOptions: R2ListOptions & { include: ['customMetadata'] } = {
        prefix: prefix ?? DEFAULT_ARCHIVE_PREFIX,
        limit: most,
        include: ['customMetadata'],
        ...(after ? { startAfter: after } : cursor ? { cursor } : startAfter ? { startAfter } : {}),
      };
      const listed = await bucket.list(listOptions);
      batches.clear();
      const entries: ArchivedSnsMessageEntry[] = [];
      for (const [index, object] of listed.objects.entries()) {
        if (object.customMetadata?.layout !== BATCH_LAYOUT) {
          const metadata = readArchivedSnsMetadata(object.customMetadata);
          if (metadata) entries.push({ key: object.key, metadata });
          continue;
        }
        const batch = await readBatch(object.key);
        const messages = batch ? [...batch.messages.values()] : [];
        // A page holds at most `limit` messages, unless one batch object alone holds more.
        if (entries.length > 0 && entries.length + messages.length > most) {
          return { entries, cursor: `${AFTER_KEY}${listed.objects[index - 1]!.key}` };
        }
        for (const { metadata } of messages) {
          entries.push({ key: batchEntryKey(object.key, metadata.snsMessageId), metadata });
        }
      }
      return listed.truncated ? { entries, cursor: listed.cursor } : { entries };
    },
  };
}
