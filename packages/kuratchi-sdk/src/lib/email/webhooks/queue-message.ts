import type { WebhookEventInput } from './payload.js';

/**
 * A message of the outbound webhooks queue: `event`, an event just recorded (fanned out to the
 * organisation's endpoints by the consumer), or `attempt`, the next attempt of one delivery (its
 * body is in `webhook_deliveries`), due after a retry's delay or asked for by a replay.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export type WebhookQueueMessage =
  | ({ readonly v: 1; readonly kind: 'event' } & WebhookEventInput)
  | {
      readonly v: 1;
      readonly kind: 'attempt';
      readonly endpointId: string;
      readonly webhookId: string;
      /** Attempts made before this one: the consumer acts only if the row still says so (at-least-once queues). */
      readonly attempts: number;
    };

/** The queue message of a recorded event. */
export function webhookEventMessage(input: WebhookEventInput): WebhookQueueMessage {
  const { organizationId, emailId, contentId, event } = input;
  return { v: 1, kind: 'event', organizationId, emailId, contentId, event };
}

/** A queue message's body, when it is one this version reads; otherwise null (acked and logged). */
export function readWebhookQueueMessage(body: unknown): WebhookQueueMessage | null {
  if (typeof body !== 'object' || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.v !== 1) return null;
  if (m.kind === 'event' && typeof m.organizationId === 'string' && typeof m.emailId === 'string') {
    return typeof m.contentId === 'string' && typeof m.event === 'object' && m.event !== null
      ? (m as unknown as WebhookQueueMessage)
      : null;
  }
  if (m.kind === 'attempt' && typeof m.endpointId === 'string' && typeof m.webhookId === 'string') {
    return typeof m.attempts === 'number' ? (m as unknown as WebhookQueueMessage) : null;
  }
  return null;
}
