import type { DurableObjectStorage } from '@cloudflare/workers-types';
import type { RecordEventInput, RecordEventOutcome } from '../routing/ports.js';
import { createD1OrgEmailStore } from '../routing/d1-org-email-store.js';
import { createWireD1Database } from '../organizations/wire-d1-database.js';
import { createSqlStorageTransport, type SqlStorageTransportOptions } from './sql-storage-transport.js';

/**
 * Records a batch of events on an organisation object's own SQLite with the D1 store's
 * statements, all of them in one batch, so in one transaction: a fault halfway (a throw, the
 * object evicted) leaves nothing of the batch, and the retried batch is applied whole.
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export function recordEventsInObject(
  storage: DurableObjectStorage,
  inputs: readonly RecordEventInput[],
  options: SqlStorageTransportOptions = {},
): Promise<RecordEventOutcome[]> {
  const db = createWireD1Database(createSqlStorageTransport(storage, options));
  return createD1OrgEmailStore(db, { maxStatementsPerBatch: Infinity }).recordEvents(inputs);
}
