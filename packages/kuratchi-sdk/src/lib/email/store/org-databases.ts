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
 * Organisation id → the name of its D1 binding, kept per isolate for a short time so that the
 * webhook and the queue consumer do not read `organizations` once per event. Bounded (oldest
 * first out) and short-lived (default 60 s), so a changed `organizations` row is seen within a
 * minute; a missing organisation is never cached.
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/#how-bindings-work (module scope lives as long as the isolate)
 */
export interface OrgBindingCache {
  get(organizationId: string, now: number): string | undefined;
  set(organizationId: string, binding: string, now: number): void;
}

/** Options of {@link createOrgBindingCache}. */
export interface OrgBindingCacheOptions {
  /** How long a binding name is trusted, in ms; default 60,000. */
  ttlMs?: number;
  /** Most organisations held; default 1,000. */
  maxEntries?: number;
}

/**
 * Creates an {@link OrgBindingCache}; keep one in module scope (one per isolate).
 * @throws {RangeError} when a bound is not a positive number.
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
export function createOrgBindingCache(options: OrgBindingCacheOptions = {}): OrgBindingCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 1000;
  if (!(ttlMs > 0) || !Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('org binding cache: ttlMs must be positive and maxEntries a positive integer');
  }
  const entries = new Map<string, { binding: string; until: number }>();
  return {
    get(organizationId, now) {
      const entry = entries.get(organizationId);
      if (!entry) return undefined;
      if (now >= entry.until) {
        entries.delete(organizationId);
        return undefined;
      }
      return entry.binding;
    },
    set(organizationId, binding, now) {
      entries.delete(organizationId);
      entries.set(organizationId, { binding, until: now + ttlMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

/**
 * Creates `orgDatabaseClient(orgId)`: looks the organisation up in the admin database
 * (`organizations.database_binding`) and returns the D1 database bound to the Worker under that
 * name. Each organisation is looked up once per client, and, given a `cache` kept per isolate,
 * once per cache lifetime (default a minute) across clients.
 * @throws {OrgDatabaseError} `organization-not-found` or `binding-missing`.
 */
export function createOrgDatabaseClient(
  adminDb: D1Database,
  env: D1Bindings,
  cache?: OrgBindingCache,
): (organizationId: string) => Promise<D1Database> {
  const resolved = new Map<string, Promise<D1Database>>();
  return (organizationId) => {
    let database = resolved.get(organizationId);
    if (!database) {
      database = resolve(adminDb, env, organizationId, cache);
      resolved.set(organizationId, database);
      database.catch(() => resolved.delete(organizationId));
    }
    return database;
  };
}

async function resolve(
  adminDb: D1Database,
  env: D1Bindings,
  organizationId: string,
  cache: OrgBindingCache | undefined,
): Promise<D1Database> {
  let binding = cache?.get(organizationId, Date.now());
  if (binding === undefined) {
    const row = await adminDb
      .prepare('SELECT database_binding AS binding FROM organizations WHERE id = ?')
      .bind(organizationId)
      .first<{ binding: string }>();
    if (!row) throw new OrgDatabaseError('organization-not-found', `organization ${organizationId} does not exist`);
    binding = row.binding;
    cache?.set(organizationId, binding, Date.now());
  }
  const db = binding === ADMIN_DB_BINDING ? undefined : env[binding];
  if (!isD1Database(db)) {
    throw new OrgDatabaseError(
      'binding-missing',
      `organization ${organizationId} uses D1 binding ${binding}, which is not bound to this Worker`,
    );
  }
  return db;
}

function isD1Database(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && typeof (value as D1Database).prepare === 'function';
}
