import { createEmailTracking } from 'kuratchi-sdk/email';
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object'; // organisations on Durable Objects
type Env = { ADMIN_DB: D1Database; ORG_DO: DurableObjectNamespace; SES_EVENTS_QUEUE: Queue; SES_TOPIC_ARN: string };
const tracking = (env: Env) =>
  createEmailTracking({ env, allowedTopicArns: [env.SES_TOPIC_ARN], queue: env.SES_EVENTS_QUEUE });
export default {
  // SNS POSTs every SES event here: verified, then queued (200), or refused (403) if forged.
  fetch: (request, env, ctx) => tracking(env).webhook(request, ctx),
  // Batches of events recorded in each organisation's database (a D1 binding or its Durable Object).
  queue: (batch, env) => tracking(env).queue(batch),
  // Events that arrived before their email was recorded wait in the park; the sweep applies them.
  scheduled: async (controller, env) => void (await tracking(env).sweepPark(new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env>;
