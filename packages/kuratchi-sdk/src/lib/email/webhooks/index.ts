/**
 * `kuratchi-sdk/internal/webhooks`: signed outbound webhooks (Standard Webhooks): an
 * organisation's endpoints, their signing secrets and the signature of a delivery.
 * @module
 */
export {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  enabledWebhookEndpoints,
  failingWebhookEndpoints,
  listWebhookEndpoints,
  rotateWebhookSecret,
  WEBHOOK_SECRET_GRACE_MS,
  type NewWebhookEndpoint,
  type WebhookDisabledReason,
  type WebhookEndpoint,
  type WebhookEndpointRef,
  type WebhookEndpointWithSecrets,
} from './d1-webhook-endpoints.js';
export { parseWebhookEndpointUrl, type WebhookEndpointUrlOptions } from './endpoint-url.js';
export { WebhookEndpointError, type WebhookEndpointErrorCode } from './errors.js';
export { WEBHOOK_EVENT_TYPES, WEBHOOK_EVENT_TYPE_OF, parseWebhookEventTypes } from './event-types.js';
export { WEBHOOK_SECRET_PREFIX, newWebhookSecret, signWebhook, type WebhookSignedContent } from './signing.js';
export {
  WEBHOOK_DELIVERIES_KEPT,
  listWebhookDeliveries,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
} from './d1-webhook-deliveries.js';
export { WEBHOOK_ATTEMPT_TIMEOUT_MS, attemptWebhook, type WebhookAttempt } from './deliver.js';
export { webhookBody, type WebhookEventInput } from './payload.js';
export { readWebhookQueueMessage, webhookEventMessage, type WebhookQueueMessage } from './queue-message.js';
export { WEBHOOK_DISABLE_AFTER_MS, WEBHOOK_RETRY_DELAYS_SECONDS, nextWebhookDelaySeconds } from './retry-schedule.js';
export { consumeWebhookBatch, type WebhookBatchReport, type WebhookConsumerPorts } from './webhook-consumer.js';
export { enqueueWebhookEvents } from './enqueue.js';
export { WEBHOOK_AUDIENCE_TTL_MS, eventsWithWebhookAudience, forgetWebhookAudience } from './webhook-audience.js';
export { replayWebhookDeliveries, type WebhookReplay } from './replay.js';
