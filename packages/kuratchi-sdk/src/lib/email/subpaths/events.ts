/**
 * `kuratchi-sdk/internal/events`: what an SES event means and where it goes. The email row and its
 * status order, SES event parsing, the effect table (`applyEvent`, `effectsOf`), human-or-machine
 * classification of opens and clicks (`classifyEngagement`), recording a verified event (routing,
 * parking, dead letters), the ingestor the webhook route calls, and the ports those need: re-exports
 * of the slices `ses-events/`, `routing/`, `ingest/`, `archive/` (and `model.ts`, `shared/`).
 * Re-exports only; web-standard code, no AWS SDK.
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
} from '../ses-events/index.js';
export { unsignedSesEventMessage } from '../ingest/index.js';
export { applySesEventMessages } from '../ingest/index.js';
export type { ApplyOutcome } from '../ingest/index.js';
export { SesEventParseError } from '../ses-events/index.js';
export type { SesEventParseErrorCode } from '../ses-events/index.js';
export { parseSesEvent, sesEventTime, sesEventDetail, SES_EVENT_TYPES } from '../ses-events/index.js';
export type { SesEvent, SesEventType, SesEventOf } from '../ses-events/index.js';
export { applyEvent, applyEffects, effectsOf, suppressionsOf } from '../ses-events/index.js';
export {
  recipientEffectsOf,
  recipientAddress,
  applyRecipientEvent,
  recipientOutcomeCounts,
} from '../ses-events/index.js';
export {
  ENGAGEMENT_RULES,
  CLICK_BURST_RULE,
  DEFAULT_HUMAN_RULE,
  classifyEngagement,
  classifyEngagementSet,
} from '../ses-events/index.js';
export type {
  Engagement,
  EngagementEvent,
  EngagementEventType,
  EngagementRule,
  EngagementRules,
} from '../ses-events/index.js';
export { recordSesEvent, applyParkedEvents } from '../routing/index.js';
export type { EventSinkPorts, EventOrigin, SinkOutcome, SinkResult } from '../routing/index.js';
export {
  DEFAULT_PARK_TTL_MS,
  DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE,
  SNS_MAX_RETRY_WINDOW_MS,
} from '../routing/index.js';
export type { ParkLimits } from '../routing/index.js';
export { sweepParkedEvents, drainParkedEvents } from '../routing/index.js';
export type { SweepOptions, SweepReport, DrainOptions, DrainReport } from '../routing/index.js';
export { replayDeadLetters } from '../routing/index.js';
export { DEAD_LETTER_REASONS } from '../routing/index.js';
export type { ReplayDeadLettersOptions, ReplayOutcome, ReplayReport } from '../routing/index.js';
export { createSesEventIngestor, ingestionCounterNames } from '../ingest/index.js';
export {
  snsArchiveKey,
  snsArchiveHourPrefix,
  certificateArchiveKey,
  sha256Hex,
  archiveVerifiedSnsMessage,
} from '../archive/index.js';
export type { ArchivedSesFields } from '../archive/index.js';
export { describeSesEvent } from '../archive/index.js';
export { PROOF_BUNDLE_FORMAT, PROOF_BUNDLE_VERSION, buildProofBundle } from '../archive/index.js';
export type { ProofBundle, ProofEventInput, BuildProofBundleOptions } from '../archive/index.js';
export { verifyProofBundle } from '../archive/index.js';
export { rebuildFromArchivePage, MAX_REBUILD_PAGE } from '../ingest/index.js';
export type { RebuildPage, RebuildPageOptions } from '../ingest/index.js';
export type { ProofVerdict, ProofMessageVerdict } from '../archive/index.js';
export { SNS_DEAD_LETTER_RETENTION_SECONDS, MAX_REDRIVE_MESSAGES } from '../sns/redrive.js';
export { consumeSesEventBatch, retryDelaySeconds, CONSUMER_RECORD_QUERY_BUDGET } from '../ingest/index.js';
export type { QueuedDelivery, DeliveryVerdict, ConsumeReport } from '../ingest/index.js';
export { consumeSesEventQueue, deadLetterSesEventQueue } from '../ingest/index.js';
export {
  MAX_QUEUE_MESSAGE_BYTES,
  sesEventQueueMessage,
  queueMessageProvenance,
  readSesEventQueueMessage,
  queueMessageBytes,
} from '../ingest/index.js';
export type { SesEventQueueMessage, EnqueueSesEvent } from '../ingest/index.js';
export { lagBucket, lagBucketUpperMs, lagQuantileMs, lagMinute, MAX_LAG_BUCKET } from '../shared/lag-histogram.js';
export type {
  SesEventIngestor,
  SesEventIngestorOptions,
  IngestResult,
  IngestOutcome,
  IngestLogEntry,
} from '../ingest/index.js';
export type {
  AdminStore,
  ParkStore,
  DeadLetterStore,
  OrgEmailStore,
  OrgEmailStoreResolver,
  MessageRoute,
  ParkReason,
  DeadLetterReason,
  ParkedEvent,
  ParkOutcome,
  RoutableParkedEvent,
  ParkedEventCounts,
  DeadLetter,
  DeadLetterQuery,
  SubscriptionMessageRecord,
  IngestionCounter,
  IngestionStats,
  LagPercentiles,
  RecordEventInput,
  RecordEventOutcome,
} from '../routing/index.js';
export type {
  SnsArchive,
  ArchivedSnsMessageMetadata,
  ArchivedSnsMessageEntry,
  ArchivedSnsMessagePage,
} from '../archive/index.js';
export { SES_WEBHOOK_PATH, WEBHOOK_CONTRACT, WEBHOOK_RULES, snsRetriesStatus, webhookAnswer } from '../ingest/index.js';
export type { WebhookAnswer, WebhookAnswerRule, WebhookLogLevel, WebhookStatus } from '../ingest/index.js';
export {
  SES_FIREHOSE_PATH,
  FIREHOSE_ACCESS_KEY_HEADER,
  FIREHOSE_REQUEST_ID_HEADER,
  MAX_FIREHOSE_BODY_BYTES,
  MAX_FIREHOSE_RECORDS,
  FirehoseRequestError,
  readFirehoseRequest,
  firehoseAnswer,
} from '../ingest/index.js';
export type { FirehoseRequest, FirehoseRequestErrorCode } from '../ingest/index.js';
export { firehoseRecordTexts, unsignedEventMessages } from '../ingest/index.js';
export type { UnsignedRecord } from '../ingest/index.js';
export { JsonObjectSplitter, JsonSplitError, splitJsonObjects } from '../ingest/index.js';
export { MAX_SEND_BATCH_MESSAGES, MAX_SEND_BATCH_BYTES, queueSendBatches } from '../ingest/index.js';
