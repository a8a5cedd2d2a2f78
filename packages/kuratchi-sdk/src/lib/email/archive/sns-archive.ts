import { archivePrefix } from '../shared/archive-days.js';
import { utf8 } from '../shared/encoding.js';
import type { ArchivedSnsMessageMetadata, SnsArchive } from './ports.js';
import type { SnsMessage } from '../sns/sns-message.js';
import type { VerifiedSnsMessage } from '../sns/sns-verify.js';

/**
 * The raw archive's key rule: `<retention prefix>YYYY/MM/DD/HH/<SNS MessageId>.json`, by the SNS
 * `Timestamp` in UTC, under the prefix of the organisation's archive days (`archivePrefix`:
 * `sns/` for the deployment's default), so a listing of one prefix in key order is in time order
 * hour by hour, a date range is a few prefixes, and the same SNS message (SNS redelivers with the
 * same MessageId) routed the same way lands on the same key: archiving it again overwrites it
 * with the same bytes.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html (MessageId, Timestamp)
 * @see https://developers.cloudflare.com/r2/buckets/object-lifecycles/ (a rule per prefix)
 */
export function snsArchiveKey(message: Pick<SnsMessage, 'MessageId' | 'Timestamp'>, archiveDays?: number): string {
  return `${snsArchiveHourPrefix(new Date(Date.parse(message.Timestamp)), archiveDays)}${message.MessageId}.json`;
}

/**
 * The key prefix of one UTC hour of the archive (`sns/YYYY/MM/DD/HH/`, or `sns-d<days>/…` for an
 * organisation's archive days).
 * @throws {RangeError} for an invalid date, or days that are not one of `ARCHIVE_DAYS_CHOICES`.
 */
export function snsArchiveHourPrefix(at: Date, archiveDays?: number): string {
  if (Number.isNaN(at.getTime())) throw new RangeError('the archive key needs a valid SNS Timestamp');
  const iso = at.toISOString();
  return `${archivePrefix(archiveDays)}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/**
 * The archive key of a signing certificate: `certs/<SHA-256 hex of its URL>.pem`, one object per
 * SigningCertURL (SNS rotates certificates under new URLs).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function certificateArchiveKey(url: string): Promise<string> {
  return `certs/${await sha256Hex(url)}.pem`;
}

/**
 * SHA-256 of the UTF-8 of `text`, lower-case hex (WebCrypto).
 * @see https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/digest
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Of an SES event Notification: its SES message id and event type, when known. */
export interface ArchivedSesFields {
  sesMessageId?: string;
  eventType?: string;
}

/** Most certificates whose hashes an isolate keeps (SNS signs with a few at a time). */
const MAX_HASHED_CERTIFICATES = 16;
/** Per isolate: the archive key and SHA-256 of each certificate seen, by its URL. */
const hashedCertificates = new Map<string, { pem: string; certificateKey: string; certificateSha256: string }>();

/**
 * The archive key of a certificate's URL and the SHA-256 of its PEM, computed once per isolate
 * for each certificate (every message it signs needs them) and again when the PEM at a URL
 * changes.
 */
async function certificateHashes(url: string, pem: string) {
  const known = hashedCertificates.get(url);
  if (known?.pem === pem) return known;
  const hashes = { pem, certificateKey: await certificateArchiveKey(url), certificateSha256: await sha256Hex(pem) };
  if (hashedCertificates.size >= MAX_HASHED_CERTIFICATES) hashedCertificates.clear();
  hashedCertificates.set(url, hashes);
  return hashes;
}

/**
 * Archives a verified SNS message's signing certificate (once per URL) and resolves with the
 * metadata its message is archived with: what a rebuild and a proof need. The message itself is
 * stored next, by the webhook (`archiveVerifiedSnsMessage`) or, in queued mode, in the consumer's
 * batch object (`archiveSnsMessageBatch`). Throws what the archive throws.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function archiveCertificateOf(
  archive: SnsArchive,
  verified: VerifiedSnsMessage,
  ses: ArchivedSesFields = {},
): Promise<ArchivedSnsMessageMetadata> {
  const { message, certificateUrl, certificatePem } = verified;
  const { certificateKey, certificateSha256 } = await certificateHashes(certificateUrl, certificatePem);
  await archive.putCertificate(certificateKey, certificatePem, { url: certificateUrl, sha256: certificateSha256 });
  return {
    type: message.Type,
    topicArn: message.TopicArn,
    snsMessageId: message.MessageId,
    snsTimestamp: message.Timestamp,
    certificateUrl,
    certificateKey,
    certificateSha256,
    ...(ses.sesMessageId ? { sesMessageId: ses.sesMessageId } : {}),
    ...(ses.eventType ? { eventType: ses.eventType } : {}),
  };
}

/**
 * Archives a verified SNS message: first its signing certificate (`archiveCertificateOf`), then
 * the POST body as received under {@link snsArchiveKey} (with `archiveDays`, its organisation's
 * override, when it has one), with its metadata. Resolves with the message's key once both are
 * stored; throws what the archive throws.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#bucket-method-definitions
 */
export async function archiveVerifiedSnsMessage(
  archive: SnsArchive,
  body: string,
  verified: VerifiedSnsMessage,
  ses: ArchivedSesFields = {},
  archiveDays?: number,
): Promise<string> {
  const metadata = await archiveCertificateOf(archive, verified, ses);
  const key = snsArchiveKey(verified.message, archiveDays);
  await archive.putMessage(key, body, metadata);
  return key;
}
