import {
  createD1AdminStore,
  createD1DeadLetterStore,
  createOrgBindingCache,
  createOrgDatabaseClient,
  createOrgEmailStore,
} from 'kuratchi-sdk/email/d1';
import {
  consumeSesEventQueue,
  createSesEventIngestor,
  deadLetterSesEventQueue,
  type EventSinkPorts,
} from 'kuratchi-sdk/email/events';
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

type Env = { ADMIN_DB: D1Database; ORG_DO: DurableObjectNamespace; SES_EVENTS_QUEUE: Queue; SES_TOPIC_ARN: string };

/** Where each organisation's database lives, trusted 60 s per isolate. */
const locations = createOrgBindingCache();

function sink(env: Env): EventSinkPorts {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env, locations);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (organizationId) => createOrgEmailStore(await orgDatabase(organizationId)),
  };
}

export default {
  // The webhook verifies and parses, then sends one queue message per event (200 `queued`).
  async fetch(request, env) {
    const ingestor = createSesEventIngestor({
      ...sink(env),
      allowedTopicArns: [env.SES_TOPIC_ARN],
      enqueue: async (message) => {
        await env.SES_EVENTS_QUEUE.send(message, { contentType: 'json' });
      },
    });
    const { status, body } = await ingestor.ingest(await request.text());
    return Response.json(body, { status });
  },
  // Batches of up to 100 events; what fails 10 times lands in the dead-letter queue.
  async queue(batch, env) {
    if (batch.queue === 'kuratchi-ses-events-dlq') {
      await deadLetterSesEventQueue(batch, createD1DeadLetterStore(env.ADMIN_DB), new Date());
    } else {
      await consumeSesEventQueue(batch, sink(env)); // acks, or retries with a delay, each message
    }
  },
} satisfies ExportedHandler<Env>;
