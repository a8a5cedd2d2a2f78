import { sesEventTime, type SesEvent } from '../ses-events/ses-event.js';
import { WEBHOOK_EVENT_TYPE_OF } from './event-types.js';

/** An event recorded in an organisation's database, as the outbound webhooks queue carries it. */
export interface WebhookEventInput {
  readonly organizationId: string;
  /** The email row the event was recorded on. */
  readonly emailId: string;
  /** The event's content identity: the deliveries' `webhook-id`. */
  readonly contentId: string;
  readonly event: SesEvent;
}

/**
 * The JSON body of a delivery, in the Standard Webhooks payload structure: `type`
 * (`email.delivered`…), `timestamp` (the event's own time, ISO 8601) and `data`: the
 * organisation, the email row, and the SES event record as SES published it.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function webhookBody(input: WebhookEventInput): { type: string; body: string } {
  const type = WEBHOOK_EVENT_TYPE_OF[input.event.eventType];
  const data = { organizationId: input.organizationId, emailId: input.emailId, sesEvent: input.event };
  return { type, body: JSON.stringify({ type, timestamp: new Date(sesEventTime(input.event)).toISOString(), data }) };
}
