/**
 * The `archive/` slice: the raw archive of verified SNS messages (keys, the R2 adapter) and the
 * proofs built from it (bundle, statement, offline verification).
 * Re-exports only.
 * @module
 */
export {
  snsArchiveKey,
  snsArchiveHourPrefix,
  certificateArchiveKey,
  sha256Hex,
  archiveVerifiedSnsMessage,
  archiveCertificateOf,
} from './sns-archive.js';
export type { ArchivedSesFields } from './sns-archive.js';
export {
  archiveSnsMessageBatch,
  batchEntryKey,
  decodeArchiveBatch,
  snsArchiveBatchKey,
  splitArchiveKey,
  BATCH_ENTRY_SEPARATOR,
} from './sns-archive-batch.js';
export { describeSesEvent } from './proof-statement.js';
export { PROOF_BUNDLE_FORMAT, PROOF_BUNDLE_VERSION, buildProofBundle } from './proof-bundle.js';
export type { ProofBundle, ProofEventInput, BuildProofBundleOptions } from './proof-bundle.js';
export { verifyProofBundle } from './proof-verify.js';
export type {
  ProofVerdict,
  ProofMessageVerdict,
  ProofMessageStatus,
  SnsCertificateTrust,
  VerifyProofOptions,
} from './proof-verify.js';
export type {
  SnsArchive,
  ArchivedSnsMessage,
  ArchivedSnsMessageMetadata,
  ArchivedSnsMessageEntry,
  ArchivedSnsMessagePage,
} from './ports.js';
export { createR2SnsArchive } from './r2-sns-archive.js';
export { listProofEvents } from './d1-proof-events.js';
export type { R2SnsArchiveOptions } from './r2-sns-archive.js';
