import {
  createD1AdminStore,
  createOrgBindingCache,
  createOrgDatabaseClient,
  createOrgEmailStore,
} from 'kuratchi-sdk/email/d1';
import type { EventSinkPorts } from 'kuratchi-sdk/email/events';
import type { DashboardConfig } from './config';

/**
 * Organisation → where its database lives (D1 binding or Durable Object), for this isolate's life, trusted 60 s: the webhook and the queue
 * consumer read `organizations` once a minute per organisation instead of once per event.
 */
const orgBindings = createOrgBindingCache();

/**
 * The SDK's event sink on the Worker's bindings, wired once for the webhook, the scheduled
 * park sweep, the queue consumer and the dead-letter replay: the admin database, each organisation's database where
 * its `organizations` row says (a D1 binding, or its Durable Object: one call per batch), and the park's cap from the configuration.
 * @see https://developers.cloudflare.com/d1/worker-api/
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/
 */
export function d1EventSink(env: DashboardEnv, config: DashboardConfig): EventSinkPorts {
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env, orgBindings);
  return {
    adminStore: createD1AdminStore(env.ADMIN_DB),
    resolveOrgEmailStore: async (organizationId) => createOrgEmailStore(await orgDatabase(organizationId)),
    maxParkedEventsPerMessage: config.park.maxParkedEventsPerMessage,
  };
}
