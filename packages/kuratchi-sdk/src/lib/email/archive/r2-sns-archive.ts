import type { R2Bucket, R2ListOptions } from '@cloudflare/workers-types';
import type { ArchivedSnsMessageMetadata, ArchivedSnsMessagePage, SnsArchive } from './ports.js';

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
const MESSAGE_METADATA_FIELDS = [
  'type',
  'topicArn',
  'snsMessageId',
  'snsTimestamp',
  'certificateUrl',
  'certificateKey',
  'certificateSha256',
] as const;

/**
 * The raw archive on an R2 bucket (binding `SES_ARCHIVE`): each SNS message as one object whose
 * body is the POST body (`text/plain; charset=UTF-8`, as SNS posts it) and whose
 * `customMetadata` is {@link ArchivedSnsMessageMetadata}; each certificate as one PEM object,
 * written only when no object is at its key yet (`onlyIf`: etag does not match `*`).
 * Listing asks R2 for the custom metadata, so a rebuild filters messages without reading bodies.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#conditional-operations
 */
export function createR2SnsArchive(bucket: R2Bucket, options: R2SnsArchiveOptions = {}): SnsArchive {
  const known = options.knownCertificates ?? new Set<string>();
  return {
    async putMessage(key, body, metadata) {
      await bucket.put(key, body, {
        httpMetadata: { contentType: 'text/plain; charset=UTF-8' },
        customMetadata: { ...metadata },
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
      const object = await bucket.get(key);
      if (!object) return null;
      const body = await object.text();
      const metadata = readMetadata(object.customMetadata);
      return metadata ? { body, metadata, uploaded: object.uploaded } : null;
    },

    async getCertificate(key) {
      const object = await bucket.get(key);
      return object ? await object.text() : null;
    },

    async listMessages({ prefix, cursor, startAfter, limit }): Promise<ArchivedSnsMessagePage> {
      // `include` is honoured from compatibility date 2022-08-04 on (the base types lack it).
      const listOptions: R2ListOptions & { include: ['customMetadata'] } = {
        prefix: prefix ?? 'sns/',
        limit: Math.min(Math.max(1, limit), MAX_LIST_LIMIT),
        include: ['customMetadata'],
        ...(cursor ? { cursor } : startAfter ? { startAfter } : {}),
      };
      const listed = await bucket.list(listOptions);
      const entries = listed.objects.flatMap((object) => {
        const metadata = readMetadata(object.customMetadata);
        return metadata ? [{ key: object.key, metadata }] : [];
      });
      return listed.truncated ? { entries, cursor: listed.cursor } : { entries };
    },
  };
}

/** The archive metadata of an object, or null when it is not one this archive wrote. */
function readMetadata(custom: Record<string, string> | undefined): ArchivedSnsMessageMetadata | null {
  if (!custom) return null;
  for (const field of MESSAGE_METADATA_FIELDS) if (typeof custom[field] !== 'string') return null;
  const type = custom.type;
  if (type !== 'Notification' && type !== 'SubscriptionConfirmation' && type !== 'UnsubscribeConfirmation') return null;
  return {
    type,
    topicArn: custom.topicArn!,
    snsMessageId: custom.snsMessageId!,
    snsTimestamp: custom.snsTimestamp!,
    certificateUrl: custom.certificateUrl!,
    certificateKey: custom.certificateKey!,
    certificateSha256: custom.certificateSha256!,
    ...(custom.sesMessageId ? { sesMessageId: custom.sesMessageId } : {}),
    ...(custom.eventType ? { eventType: custom.eventType } : {}),
  };
}
