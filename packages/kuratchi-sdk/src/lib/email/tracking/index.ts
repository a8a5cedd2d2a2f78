/**
 * `kuratchi-sdk/internal/tracking`: the façade {@link createEmailTracking}, what a Worker wires for
 * SES event tracking (webhook, Firehose endpoint, queue consumer, park sweep, sender), and the
 * handlers it is made of. Re-exports only.
 * @module
 */
export {
  createEmailTracking,
  DEFAULT_DEAD_LETTER_QUEUE_NAME,
  type EmailTracking,
  type EmailTrackingOptions,
  type IngestorPathOptions,
} from './create-email-tracking.js';
export { handleSesWebhook, webhookResponse, type SesWebhookDeps } from './webhook-handler.js';
export { handleFirehoseDelivery, refuseFirehoseRequest, type FirehoseDeps } from './firehose-handler.js';
export { countAfterResponse, type WaitUntil } from './ingestion-counts.js';
export { addCount } from '../routing/ingestion-figures.js';
export { BASIC_CHALLENGE, hasBasicCredential } from './basic-auth.js';
export { sameSecret } from '../shared/same-secret.js';
