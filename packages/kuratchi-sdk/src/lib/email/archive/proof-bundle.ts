import { z } from 'zod';
import type { SnsArchive } from './ports.js';
import { archiveDaysOfKey, archivePrefixOfKey } from '../shared/archive-days.js';
import { TRACKING_TIME_FIELDS, type EmailTracking, type TrackingTimeField } from '../model.js';

/**
 * The proof bundle of one email: each archived original SNS message of its events, byte for byte
 * as SNS posted it (with its signature), the signing certificates that verified them (from the
 * archive, with their URLs and the SHA-256 recorded when they were archived), and the events that
 * have no archived message (not provable); `eventsExpired` when some of its events may be past the
 * organisation's events retention (deleted, so not listed at all). `kuratchi-ses verify-proof` checks it offline
 * (`verifyProofBundle`).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const PROOF_BUNDLE_FORMAT = 'kuratchi-ses-proof';
/** The bundle format's version; a reader refuses other versions. */
export const PROOF_BUNDLE_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** Zod schema of a proof bundle (what `verifyProofBundle` accepts; internal, not exported by the barrel). */
export const proofBundleSchema = z.object({
  format: z.literal(PROOF_BUNDLE_FORMAT),
  version: z.literal(PROOF_BUNDLE_VERSION),
  emailId: z.string().min(1),
  sesMessageId: z.string().min(1),
  generatedAt: z.string(),
  messages: z.array(
    z.object({
      archiveKey: z.string(),
      snsMessageId: z.string(),
      eventType: z.string(),
      certificateUrl: z.string(),
      certificateSha256: sha256,
      /** The SNS POST body as archived. */
      raw: z.string(),
    }),
  ),
  certificates: z.array(
    z.object({
      url: z.string(),
      sha256,
      pem: z.string(),
      /** Intermediate certificates (PEM) toward an Amazon root: untrusted input, optional. */
      chain: z.array(z.string()).max(4).optional(),
    }),
  ),
  notProvable: z.array(
    z.object({
      snsMessageId: z.string(),
      eventType: z.string(),
      occurredAt: z.number(),
      /**
       * `archive-expired`: its message was older than the retention it was archived with (its key's
       * prefix: an organisation's archive days, or `KURATCHI_RETENTION_ARCHIVE_DAYS`; that prefix's
       * lifecycle rule deleted it); `archive-missing`: gone for another reason.
       */
      reason: z.enum(['not-archived', 'archive-missing', 'archive-expired', 'certificate-missing']),
    }),
  ),
  /**
   * Set when an event of the email happened before its organisation's events cutoff: its events
   * before `before` (ISO 8601) are past the events retention, deleted (or about to be) by the
   * purge, and then neither in `messages` nor in `notProvable`. Optional: bundles without it stay version 1.
   */
  eventsExpired: z.object({ reason: z.literal('events-expired'), before: z.string() }).optional(),
});

/** A proof bundle (see {@link PROOF_BUNDLE_FORMAT}). */
export type ProofBundle = z.infer<typeof proofBundleSchema>;

/** One recorded event of the email, as the email's timeline has it. */
export interface ProofEventInput {
  snsMessageId: string;
  eventType: string;
  occurredAt: number;
  /** The raw archive's key of its SNS message; null when it was not archived. */
  archiveKey: string | null;
}

/** Options of {@link buildProofBundle}. */
export interface BuildProofBundleOptions {
  emailId: string;
  sesMessageId: string;
  events: readonly ProofEventInput[];
  now: Date;
  /**
   * Days the archive keeps a message under the default prefix `sns/` (its R2 lifecycle rule); a
   * key under an organisation's prefix (`sns-d<days>/`) names its own. A missing message archived
   * longer ago than its days is `archive-expired`; unset here, one under `sns/` is `archive-missing`.
   */
  archiveRetentionDays?: number;
  /**
   * The organisation's events cutoff (epoch ms: events before it are purged) and the email's
   * tracking times (kept on the row after its events are purged): when one of them, or of
   * `events`, is before the cutoff, the bundle gets `eventsExpired`. Unset: never.
   */
  eventsRetention?: { cutoff: number; email: Pick<EmailTracking, TrackingTimeField> };
}

/** When a message was archived, to the hour, from its key (`<archive prefix>YYYY/MM/DD/HH/…`), or null. */
function archivedHour(key: string): number | null {
  const prefix = archivePrefixOfKey(key);
  const match = prefix === null ? null : /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(key.slice(prefix.length));
  return match ? Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!) : null;
}

/**
 * Builds the proof bundle of one email from the raw archive: each event's archived message and
 * each distinct certificate once. An event whose message or certificate is not in the archive is
 * listed in `notProvable` with the reason, never left out; events the retention deleted are named
 * by `eventsExpired` (see `eventsRetention`), so a bundle is never empty without a reason.
 * @throws what the archive throws (R2 unavailable).
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
 */
export async function buildProofBundle(archive: SnsArchive, options: BuildProofBundleOptions): Promise<ProofBundle> {
  const bundle: ProofBundle = {
    format: PROOF_BUNDLE_FORMAT,
    version: PROOF_BUNDLE_VERSION,
    emailId: options.emailId,
    sesMessageId: options.sesMessageId,
    generatedAt: options.now.toISOString(),
    messages: [],
    certificates: [],
    notProvable: [],
  };
  const retention = options.eventsRetention;
  const times = retention
    ? [...TRACKING_TIME_FIELDS.map((field) => retention.email[field]), ...options.events.map((e) => e.occurredAt)]
    : [];
  if (retention && times.some((at) => at !== null && at < retention.cutoff)) {
    bundle.eventsExpired = { reason: 'events-expired', before: new Date(retention.cutoff).toISOString() };
  }
  const certificates = new Map<string, { url: string; sha256: string; pem: string } | null>();
  for (const event of options.events) {
    const unprovable = (reason: ProofBundle['notProvable'][number]['reason']) =>
      bundle.notProvable.push({
        snsMessageId: event.snsMessageId,
        eventType: event.eventType,
        occurredAt: event.occurredAt,
        reason,
      });
    if (!event.archiveKey) {
      unprovable('not-archived');
      continue;
    }
    const archived = await archive.getMessage(event.archiveKey);
    if (!archived) {
      // R2 deletes an expired object within about a day of its expiry: past the retention, an
      // absent message is taken as expired.
      // https://developers.cloudflare.com/r2/buckets/object-lifecycles/
      const at = archivedHour(event.archiveKey);
      // The key's own days (an organisation's override when archived), else the deployment's.
      const days = archiveDaysOfKey(event.archiveKey)?.days ?? options.archiveRetentionDays;
      const expired = days !== undefined && at !== null && at + days * 86_400_000 < options.now.getTime();
      unprovable(expired ? 'archive-expired' : 'archive-missing');
      continue;
    }
    const { certificateKey, certificateUrl, certificateSha256 } = archived.metadata;
    if (!certificates.has(certificateKey)) {
      const pem = await archive.getCertificate(certificateKey);
      certificates.set(certificateKey, pem === null ? null : { url: certificateUrl, sha256: certificateSha256, pem });
    }
    const certificate = certificates.get(certificateKey);
    if (!certificate) {
      unprovable('certificate-missing');
      continue;
    }
    bundle.messages.push({
      archiveKey: event.archiveKey,
      snsMessageId: event.snsMessageId,
      eventType: event.eventType,
      certificateUrl,
      certificateSha256,
      raw: archived.body,
    });
  }
  bundle.certificates = [...certificates.values()].filter((c) => c !== null);
  return bundle;
}
