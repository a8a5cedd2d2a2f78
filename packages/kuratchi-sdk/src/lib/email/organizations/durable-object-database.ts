import type { D1Database } from '@cloudflare/workers-types';
import type { OrganizationDatabaseRpc } from './sql-wire.js';
import { createWireD1Database } from './wire-d1-database.js';

const stubs = new WeakMap<D1Database, OrganizationDatabaseRpc>();

/**
 * An organisation's Durable Object (its stub, from the Worker) as a `D1Database`: every query is
 * one RPC call that the object runs on its own SQLite, every `batch` one call and one transaction.
 * So the email log queries, `sendEmail`, the suppression list and the ops routes take either
 * kind of organisation database.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/create-durable-object-stubs-and-send-requests/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/
 */
export function durableObjectDatabase(stub: OrganizationDatabaseRpc): D1Database {
  const db = createWireD1Database((statements, atomic) => stub.runStatements(statements, atomic));
  stubs.set(db, stub);
  return db;
}

/** The object behind a database from {@link durableObjectDatabase}; undefined for a D1 binding. */
export function durableObjectOf(db: D1Database): OrganizationDatabaseRpc | undefined {
  return stubs.get(db);
}
