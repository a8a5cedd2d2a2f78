import { createEmailTracking } from 'kuratchi-sdk/email';
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

type Env = { ADMIN_DB: D1Database; ORG_DO: DurableObjectNamespace; SES_EVENTS_QUEUE: Queue; SES_TOPIC_ARN: string };

export default {
  // The webhook verifies and parses, then sends one queue message per event (200 `queued`).
  // Without `queue` (direct mode) it records the event inside the request instead.
  fetch: (request, env, ctx) =>
    createEmailTracking({ env, allowedTopicArns: [env.SES_TOPIC_ARN], queue: env.SES_EVENTS_QUEUE }).webhook(
      request,
      ctx,
    ),
  // Batches of up to 100 events, acked or retried one by one; a batch of the dead-letter queue
  // (`kuratchi-ses-events-dlq`, what failed 10 times) goes to the admin dead-letter table.
  queue: (batch, env) => createEmailTracking({ env, allowedTopicArns: [env.SES_TOPIC_ARN] }).queue(batch),
} satisfies ExportedHandler<Env>;
