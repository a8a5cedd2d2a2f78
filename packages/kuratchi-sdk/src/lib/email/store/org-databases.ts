import type { D1Database } from '@cloudflare/workers-types';
import { OrgDatabaseError } from '../events/errors.js';

/** The part of the Worker's env this module reads: D1 bindings by name. */
export type D1Bindings = Record<string, unknown>;

/** Name of the admin database binding in wrangler.toml. */
export const ADMIN_DB_BINDING = 'ADMIN_DB';

/**
 * The admin D1 database bound to the Worker.
 * @throws {OrgDatabaseError} `admin-db-missing` naming the binding, when it is not bound.
 */
export function getAdminDb(env: D1Bindings): D1Database {
  const db = env[ADMIN_DB_BINDING];
  if (!isD1Database(db)) {
    throw new OrgDatabaseError('admin-db-missing', `D1 binding ${ADMIN_DB_BINDING} is missing from the Worker's env`);
  }
  return db;
}

/**
 * Creates `orgDatabaseClient(orgId)`: looks the organisation up in the admin database
 * (`organizations.database_binding`) and returns the D1 database bound to the Worker under that
 * name. Each organisation is looked up once per client: create one client per request, so a
 * change to the organisations table is seen by the next request.
 * @throws {OrgDatabaseError} `organization-not-found` or `binding-missing`.
 */
export function createOrgDatabaseClient(
  adminDb: D1Database,
  env: D1Bindings,
): (organizationId: string) => Promise<D1Database> {
  const resolved = new Map<string, Promise<D1Database>>();
  return (organizationId) => {
    let database = resolved.get(organizationId);
    if (!database) {
      database = resolve(adminDb, env, organizationId);
      resolved.set(organizationId, database);
      database.catch(() => resolved.delete(organizationId));
    }
    return database;
  };
}

async function resolve(adminDb: D1Database, env: D1Bindings, organizationId: string): Promise<D1Database> {
  const row = await adminDb
    .prepare('SELECT database_binding AS binding FROM organizations WHERE id = ?')
    .bind(organizationId)
    .first<{ binding: string }>();
  if (!row) throw new OrgDatabaseError('organization-not-found', `organization ${organizationId} does not exist`);
  const db = row.binding === ADMIN_DB_BINDING ? undefined : env[row.binding];
  if (!isD1Database(db)) {
    throw new OrgDatabaseError(
      'binding-missing',
      `organization ${organizationId} uses D1 binding ${row.binding}, which is not bound to this Worker`,
    );
  }
  return db;
}

function isD1Database(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && typeof (value as D1Database).prepare === 'function';
}
