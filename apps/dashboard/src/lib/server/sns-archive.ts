import type { R2Bucket } from '@cloudflare/workers-types';
import { createR2SnsArchive } from 'kuratchi-sdk/email/d1';
import type { SnsArchive } from 'kuratchi-sdk/email/events';

/**
 * Certificate keys this isolate has archived already, so each certificate is written (and
 * checked) once per isolate rather than once per message. Public archive keys only.
 */
const knownCertificates = new Set<string>();

/**
 * The raw archive on the `SES_ARCHIVE` R2 bucket, shared by the webhook, the proof download and
 * the rebuild API.
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 */
export function snsArchiveOf(bucket: R2Bucket): SnsArchive {
  return createR2SnsArchive(bucket, { knownCertificates });
}
