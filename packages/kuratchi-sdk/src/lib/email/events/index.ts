/**
 * `kuratchi-sdk/email/events`: what an SES event means and where it goes. The email row and its
 * status order, SES event parsing, the effect table (`applyEvent`, `effectsOf`), human-or-machine
 * classification of opens and clicks (`classifyEngagement`), recording a
 * verified event (routing, parking, dead letters), the ingestor the webhook route calls, and the
 * store ports those need. Re-exports only; web-standard code, no AWS SDK.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * @module
 */
export { EMAIL_STATUSES, initialTracking, initialRecipientTracking } from '../model.js';
export type {
  EmailStatus,
  EpochMs,
  EmailTracking,
  EmailRow,
  TrackingEffect,
  FieldEffect,
  RecipientKind,
  RecipientTracking,
  EmailRecipient,
  RecipientTimeField,
  RecipientDetailField,
  RecipientEffect,
  RecipientEffectGroup,
  EngagementVerdict,
  TrackingTimeField,
  TrackingCounterField,
  TrackingDetailField,
  EmailEventRecord,
  SuppressionFromEvent,
  SesEventSource,
  EventProvenance,
} from '../model.js';
export { SES_EVENT_SOURCES } from '../model.js';
export {
  CONTENT_IDENTITY_VERSION,
  sesEventContentId,
  sesEventIdentityFields,
  contentKeyedMessageId,
} from './content-identity.js';
export { unsignedSesEventMessage } from './unsigned-event.js';
export { applySesEventMessages } from './apply-messages.js';
export type { ApplyOutcome } from './apply-messages.js';
export { SesEventParseError } from './errors.js';
export type { SesEventParseErrorCode } from './errors.js';
export { parseSesEvent, sesEventTime, sesEventDetail, SES_EVENT_TYPES } from './ses-event.js';
export type { SesEvent, SesEventType, SesEventOf } from './ses-event.js';
export { applyEvent, applyEffects, effectsOf, suppressionsOf } from './apply.js';
export {
  recipientEffectsOf,
  recipientAddress,
  applyRecipientEvent,
  recipientOutcomeCounts,
} from './recipient-effects.js';
export {
  ENGAGEMENT_RULES,
  CLICK_BURST_RULE,
  DEFAULT_HUMAN_RULE,
  classifyEngagement,
  classifyEngagementSet,
} from './engagement.js';
export type {
  Engagement,
  EngagementEvent,
  EngagementEventType,
  EngagementRule,
  EngagementRules,
} from './engagement.js';
export { recordSesEvent, applyParkedEvents } from './record.js';
export type { EventSinkPorts, EventOrigin, SinkOutcome, SinkResult } from './record.js';
export { DEFAULT_PARK_TTL_MS, DEFAULT_MAX_HELD_EVENTS_PER_MESSAGE, SNS_MAX_RETRY_WINDOW_MS } from './park-policy.js';
export type { ParkLimits } from './park-policy.js';
export { sweepParkedEvents, drainHeldEvents } from './park-sweep.js';
export type { SweepOptions, SweepReport, DrainOptions, DrainReport } from './park-sweep.js';
export { replayDeadLetters } from './dead-letters.js';
export { DEAD_LETTER_REASONS } from './ports.js';
export type { ReplayDeadLettersOptions, ReplayOutcome, ReplayReport } from './dead-letters.js';
export { createSesEventIngestor, ingestionCounterNames } from './ingest.js';
export {
  snsArchiveKey,
  snsArchiveHourPrefix,
  certificateArchiveKey,
  sha256Hex,
  archiveVerifiedSnsMessage,
} from './sns-archive.js';
export type { ArchivedSesFields } from './sns-archive.js';
export { describeSesEvent } from './proof-statement.js';
export { PROOF_BUNDLE_FORMAT, PROOF_BUNDLE_VERSION, buildProofBundle } from './proof-bundle.js';
export type { ProofBundle, ProofEventInput, BuildProofBundleOptions } from './proof-bundle.js';
export { verifyProofBundle } from './proof-verify.js';
export { rebuildFromArchivePage, MAX_REBUILD_PAGE } from './archive-rebuild.js';
export type { RebuildPage, RebuildPageOptions } from './archive-rebuild.js';
export type { ProofVerdict, ProofMessageVerdict } from './proof-verify.js';
export { SNS_DEAD_LETTER_RETENTION_SECONDS, MAX_REDRIVE_MESSAGES } from './redrive.js';
export { consumeSesEventBatch, retryDelaySeconds, CONSUMER_RECORD_QUERY_BUDGET } from './consume-batch.js';
export type { QueuedDelivery, DeliveryVerdict, ConsumeReport } from './consume-batch.js';
export { consumeSesEventQueue, deadLetterSesEventQueue } from './queue-consumer.js';
export {
  MAX_QUEUE_MESSAGE_BYTES,
  sesEventQueueMessage,
  queueMessageProvenance,
  readSesEventQueueMessage,
  queueMessageBytes,
} from './queue-message.js';
export type { SesEventQueueMessage, EnqueueSesEvent } from './queue-message.js';
export { lagBucket, lagBucketUpperMs, lagQuantileMs, lagMinute, MAX_LAG_BUCKET } from './lag-histogram.js';
export type {
  SesEventIngestor,
  SesEventIngestorOptions,
  IngestResult,
  IngestOutcome,
  IngestLogEntry,
} from './ingest.js';
export type {
  AdminStore,
  ParkStore,
  DeadLetterStore,
  OrgEmailStore,
  OrgEmailStoreResolver,
  MessageRoute,
  HoldReason,
  DeadLetterReason,
  ParkedEvent,
  ParkOutcome,
  RoutableParkedEvent,
  HeldEventCounts,
  DeadLetter,
  DeadLetterQuery,
  SubscriptionMessageRecord,
  IngestionCounter,
  IngestionStats,
  LagPercentiles,
  RecordEventInput,
  RecordEventOutcome,
  SnsArchive,
  ArchivedSnsMessageMetadata,
  ArchivedSnsMessageEntry,
  ArchivedSnsMessagePage,
} from './ports.js';
export {
  SES_WEBHOOK_PATH,
  WEBHOOK_CONTRACT,
  WEBHOOK_RULES,
  snsRetriesStatus,
  webhookAnswer,
} from './webhook-contract.js';
export type { WebhookAnswer, WebhookAnswerRule, WebhookLogLevel, WebhookStatus } from './webhook-contract.js';
export {
  SES_FIREHOSE_PATH,
  FIREHOSE_ACCESS_KEY_HEADER,
  FIREHOSE_REQUEST_ID_HEADER,
  MAX_FIREHOSE_BODY_BYTES,
  MAX_FIREHOSE_RECORDS,
  FirehoseRequestError,
  readFirehoseRequest,
  firehoseAnswer,
} from './firehose-request.js';
export type { FirehoseRequest, FirehoseRequestErrorCode } from './firehose-request.js';
export { firehoseRecordTexts, unsignedEventMessages } from './firehose-records.js';
export type { UnsignedRecord } from './firehose-records.js';
export { JsonObjectSplitter, JsonSplitError, splitJsonObjects } from './json-objects.js';
export { MAX_SEND_BATCH_MESSAGES, MAX_SEND_BATCH_BYTES, queueSendBatches } from './queue-batches.js';
