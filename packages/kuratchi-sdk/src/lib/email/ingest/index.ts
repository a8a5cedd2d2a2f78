/**
 * The `ingest/` slice: every way events come in: the SNS webhook's HTTP contract and ingestor, the
 * Cloudflare Queue's producer message and consumer, the Firehose HTTP endpoint and unsigned
 * records (imports, reconcile), and the rebuild of the tracking tables from the raw archive.
 * Re-exports only.
 * @module
 */
export { unsignedSesEventMessage } from './unsigned-event.js';
export { applySesEventMessages } from './apply-messages.js';
export type { ApplyOutcome } from './apply-messages.js';
export { createSesEventIngestor } from './ingest.js';
export { countWebhookAnswer, ingestionCounterNames, webhookAnswerFigures } from './answer-figures.js';
export { rebuildFromArchivePage, MAX_REBUILD_PAGE } from './archive-rebuild.js';
export type { RebuildPage, RebuildPageOptions } from './archive-rebuild.js';
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
export type {
  SesEventIngestor,
  SesEventIngestorOptions,
  IngestResult,
  IngestOutcome,
  IngestLogEntry,
} from './ingest.js';
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
export { resetTrackingPage, MAX_RESET_PAGE } from './d1-tracking-reset.js';
export type { ResetTrackingPage, ResetTrackingOptions } from './d1-tracking-reset.js';
export { UNARCHIVED_SOURCES, UnarchivedEventsError, countUnarchivedEvents } from './d1-unarchived-events.js';
export type { UnarchivedSource, UnarchivedEventCounts } from './d1-unarchived-events.js';
