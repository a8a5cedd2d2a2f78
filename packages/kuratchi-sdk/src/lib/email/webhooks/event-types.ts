import type { SesEventType } from '../ses-events/ses-event.js';
import { WebhookEndpointError } from './errors.js';

/**
 * The webhook event type of each SES event type: the payload's `type`, and what an endpoint
 * subscribes to. Dotted names, as the Standard Webhooks payload structure recommends.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export const WEBHOOK_EVENT_TYPE_OF: Readonly<Record<SesEventType, string>> = {
  Send: 'email.sent',
  Reject: 'email.rejected',
  Bounce: 'email.bounced',
  Complaint: 'email.complained',
  Delivery: 'email.delivered',
  Open: 'email.opened',
  Click: 'email.clicked',
  'Rendering Failure': 'email.rendering_failed',
  DeliveryDelay: 'email.delivery_delayed',
  Subscription: 'email.unsubscribed',
};

/** Every webhook event type, in the order the dashboard lists them. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = Object.values(WEBHOOK_EVENT_TYPE_OF);

/**
 * The event types an admin chose, checked: at least one, each known, no duplicates (kept in
 * {@link WEBHOOK_EVENT_TYPES}'s order).
 * @throws {WebhookEndpointError} `invalid-event-types`.
 */
export function parseWebhookEventTypes(chosen: readonly string[]): string[] {
  const unknown = chosen.filter((type) => !WEBHOOK_EVENT_TYPES.includes(type));
  if (unknown.length) {
    throw new WebhookEndpointError('invalid-event-types', `unknown event types: ${unknown.join(', ')}`);
  }
  const types = WEBHOOK_EVENT_TYPES.filter((type) => chosen.includes(type));
  if (!types.length) throw new WebhookEndpointError('invalid-event-types', 'choose at least one event type');
  return types;
}
