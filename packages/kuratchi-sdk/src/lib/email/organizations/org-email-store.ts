import type { D1Database } from '@cloudflare/workers-types';
import type { OrgEmailStore } from '../routing/ports.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { durableObjectOf } from './durable-object-database.js';

/**
 * The ingestion port of an organisation's database, whichever kind it is: on a D1 binding, the
 * D1 store (bounded batches); on a Durable Object, one RPC call per batch of events, which the
 * object applies in one transaction with the same statements.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export function createOrgEmailStore(db: D1Database): OrgEmailStore {
  const object = durableObjectOf(db);
  if (!object) return createD1OrgEmailStore(db);
  return {
    recordEvent: async (input) => (await object.recordEvents([input]))[0]!,
    recordEvents: (inputs) => object.recordEvents([...inputs]),
  };
}
