/**
 * `kuratchi-sdk/email`: the names the guides' examples use, in one import. Re-exports only.
 * Importing it loads every concern, the AWS SDK included (for `sendEmail` and the setup
 * functions); everything else, types included, lives in the subpath of its concern, which loads
 * only what that concern needs:
 * - `kuratchi-sdk/email/verify`: SNS envelope and signature verification (no AWS SDK);
 * - `kuratchi-sdk/email/events`: SES events, the effect table, recording, the ingestor (no AWS SDK);
 * - `kuratchi-sdk/email/d1`: the D1 stores and email log queries (no AWS SDK);
 * - `kuratchi-sdk/email/send`: `sendEmail` and the suppression list;
 * - `kuratchi-sdk/email/setup`: SES event tracking setup, status and teardown;
 * - `kuratchi-sdk/email/testing`: SNS signer, SES event factory, test clock;
 * - `kuratchi-sdk/email/guard`: the per-organisation reputation guard (rates, pause, lift).
 * @module
 */
export { verifySnsMessage, createSigningKeyCache, SnsMessageError, SnsVerificationError } from './sns/index.js';
export {
  parseSesEvent,
  applyEvent,
  initialTracking,
  createSesEventIngestor,
  SesEventParseError,
} from './subpaths/events.js';
export {
  getAdminDb,
  createOrgDatabaseClient,
  createD1AdminStore,
  createD1OrgEmailStore,
  OrgDatabaseError,
} from './subpaths/d1.js';
export {
  sendEmail,
  createEmailSender,
  addSuppression,
  removeSuppression,
  listSuppressions,
  findSuppressedRecipients,
  InvalidOptionsError,
} from './send/index.js';
export { setupSESEventTracking, getSESEventTrackingStatus, teardownSESEventTracking } from './setup/index.js';
export { createEmailTracking, type EmailTracking, type EmailTrackingOptions } from './tracking/index.js';
