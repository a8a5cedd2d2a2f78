/**
 * `kuratchi-sdk/email`: the public API of SES event tracking, in one import. Re-exports only.
 * - the façade, `createEmailTracking`: what a Worker wires (webhook, Firehose endpoint, queue
 *   consumer, park sweep, sender);
 * - sending: `sendEmail`, `createEmailSender` and the suppression list;
 * - setting AWS up (from Node): `setupSESEventTracking`, its status and teardown;
 * - the parts a consumer may want alone: SNS verification, SES event parsing and its pure
 *   semantics, an organisation's database;
 * - the errors those throw.
 * The other public subpaths are `kuratchi-sdk/email/durable-object` (the organisation database
 * class, Workers only) and `kuratchi-sdk/email/testing` (signed SNS messages, SES events, a clock).
 * `kuratchi-sdk/internal/*` are the parts the kuratchi dashboard and CLI use: no stability promise.
 * `test/node/public-api.test.mjs` pins this surface.
 * @module
 */
export { verifySnsMessage, createSigningKeyCache, SnsMessageError, SnsVerificationError } from './sns/index.js';
export { parseSesEvent, applyEvent, initialTracking, SesEventParseError } from './subpaths/events.js';
export { getAdminDb, createOrgDatabaseClient, OrgDatabaseError } from './subpaths/d1.js';
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
export {
  createEmailTracking,
  type EmailTracking,
  type EmailTrackingOptions,
  type IngestorPathOptions,
} from './tracking/index.js';
export type { SendEmailOptions, SendEmailResult, EmailSender, EmailSenderConfig } from './send/index.js';
export type {
  SetupSesEventTrackingOptions,
  SetupReport,
  SesEventTrackingStatus,
  TeardownReport,
} from './setup/index.js';
