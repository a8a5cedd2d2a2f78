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
