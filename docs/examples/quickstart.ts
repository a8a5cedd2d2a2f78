import { createD1AdminStore, createOrgDatabaseClient, createOrgEmailStore } from 'kuratchi-sdk/email/d1';
import { createSesEventIngestor } from 'kuratchi-sdk/email/events';
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object'; // organisations on Durable Objects
type Env = { ADMIN_DB: D1Database; ORG_DO: DurableObjectNamespace; SES_TOPIC_ARN: string };
export default {
  async fetch(request, env) {
    const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env); // each on a D1 binding or a Durable Object
    const { status, body } = await createSesEventIngestor({
      allowedTopicArns: [env.SES_TOPIC_ARN],
      adminStore: createD1AdminStore(env.ADMIN_DB),
      resolveOrgEmailStore: async (orgId) => createOrgEmailStore(await orgDatabase(orgId)),
    }).ingest(await request.text()); // SNS POSTs every SES event here
    return Response.json(body, { status });
  },
} satisfies ExportedHandler<Env>;
