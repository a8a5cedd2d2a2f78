// Public email API of kuratchi-sdk (`kuratchi-sdk/email`): re-exports only.
export * from './model.js';
export * from './events/errors.js';
export { MAX_SNS_BODY_BYTES, parseSnsMessage, validateSnsMessage, snsMessageSchema } from './events/sns-message.js';
export type { SnsMessage, SnsNotification, SnsConfirmation } from './events/sns-message.js';
export {
  verifySnsMessage,
  snsStringToSign,
  signatureHashOf,
  fetchSigningCertificate,
} from './events/sns-verify.js';
export type { VerifySnsOptions, FetchCertificate } from './events/sns-verify.js';
export { createSigningKeyCache, defaultSigningKeyCache } from './events/signing-key-cache.js';
export type {
  CachedSigningKey,
  SigningKeyCache,
  SigningKeyCacheOptions,
  SnsSignatureHash,
} from './events/signing-key-cache.js';
export { assertSigningCertUrl, assertSubscribeUrl } from './events/sns-urls.js';
export { isSnsHost, snsHostOfTopic } from './shared/aws-names.js';
export { readSigningCertificate } from './events/x509.js';
export type { SigningCertificate } from './events/x509.js';
export {
  parseSesEvent,
  sesEventSchema,
  sesEventTime,
  sesEventDetail,
  SES_EVENT_TYPES,
} from './events/ses-event.js';
export type { SesEvent, SesEventType, SesEventOf } from './events/ses-event.js';
export { applyEvent, applyEffects, effectsOf, suppressionsOf } from './events/apply.js';
export { recordSesEvent, applyParkedEvents } from './events/record.js';
export type { EventSinkPorts, SinkOutcome, SinkResult } from './events/record.js';
export {
  parkLimits,
  DEFAULT_PARK_TTL_MS,
  DEFAULT_MAX_HELD_EVENTS_PER_MESSAGE,
  SNS_MAX_RETRY_WINDOW_MS,
} from './events/park-policy.js';
export type { ParkLimits } from './events/park-policy.js';
export { sweepParkedEvents } from './events/park-sweep.js';
export type { SweepOptions, SweepReport } from './events/park-sweep.js';
export { replayDeadLetters } from './events/dead-letters.js';
export type { ReplayDeadLettersOptions, ReplayOutcome, ReplayReport } from './events/dead-letters.js';
export { createSesEventIngestor, ingestionCounterNames } from './events/ingest.js';
export { SES_WEBHOOK_PATH, WEBHOOK_CONTRACT, WEBHOOK_RULES, snsRetriesStatus, webhookAnswer, type WebhookAnswer, type WebhookAnswerRule, type WebhookLogLevel, type WebhookStatus } from './events/webhook-contract.js';
export { readSnsBody, discardBody, type SnsBodyText } from './events/read-sns-body.js';
export type {
  SesEventIngestor,
  SesEventIngestorOptions,
  IngestResult,
  IngestOutcome,
  IngestLogEntry,
} from './events/ingest.js';
export type * from './events/ports.js';
export * from './store/index.js';
export { sendEmail, createEmailSender } from './send/send-email.js';
export type { EmailSender, EmailSenderConfig, SendEmailResult } from './send/send-email.js';
export type { SendEmailOptions } from './send/options.js';
export { InvalidOptionsError } from './shared/invalid-options.js';
export type { InvalidOption } from './shared/invalid-options.js';
export type { SesClientInput } from './send/ses-client.js';
export { listSuppressions, addSuppression, removeSuppression, findSuppressedRecipients } from './send/suppressions.js';
export type { ListSuppressionsOptions, AddSuppressionOptions } from './send/suppressions.js';
export { setupSESEventTracking } from './setup/setup-ses-event-tracking.js';
export type { SetupReport } from './setup/setup-ses-event-tracking.js';
export { getSESEventTrackingStatus } from './setup/status.js';
export type { SesEventTrackingStatus } from './setup/status.js';
export { teardownSESEventTracking } from './setup/teardown.js';
export type { TeardownReport } from './setup/teardown.js';
export type {
  SetupSesEventTrackingOptions,
  SesEventTrackingStatusOptions,
  TeardownSesEventTrackingOptions,
  SesEventTrackingTarget,
  SesEventTrackingClients,
  HttpsDeliveryPolicy,
} from './setup/options.js';
export type { StepReport, StepStatus } from './setup/steps.js';
export { DEFAULT_CONFIGURATION_SET_NAME } from './shared/configuration-set.js';
export {
  DEFAULT_TOPIC_NAME,
  DEFAULT_EVENT_DESTINATION_NAME,
  SES_EVENT_DESTINATION_TYPES,
} from './setup/defaults.js';
export type { SesEventDestinationType } from './setup/defaults.js';
export { describeAwsError, redactUrl } from './setup/aws-errors.js';
