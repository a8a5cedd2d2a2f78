import type { D1Database, DurableObjectNamespace } from '@cloudflare/workers-types';
import { OrgDatabaseError } from '../routing/errors.js';
import { durableObjectDatabase } from './durable-object-database.js';
import type { OrganizationDatabaseRpc } from './sql-wire.js';

/** The part of the Worker's env this module reads: D1 and Durable Object bindings by name. */
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
 * Where an organisation's database lives (`organizations.database_kind` and `database_binding`):
 * a D1 database bound under `binding`, or a Durable Object of the namespace bound under
 * `binding` (the object `idFromName(organizationId)`). `movingSince` is set while
 * `kuratchi-ses org migrate` moves it.
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
 */
export interface OrgDatabaseLocation {
  kind: OrgDatabaseKind;
  binding: string;
  movingSince: number | null;
}

/** The two kinds of organisation database. */
export type OrgDatabaseKind = 'd1' | 'durable-object';

/**
 * Organisation id → where its database lives, kept per isolate for a short time so that the
 * webhook and the queue consumer do not read `organizations` once per event. Bounded (oldest
 * first out) and short-lived (default {@link ORG_LOCATION_CACHE_TTL_MS}), so a changed
 * `organizations` row is seen within a minute; a missing organisation, or one being moved, is
 * never cached.
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/#how-bindings-work (module scope lives as long as the isolate)
 */
export interface OrgBindingCache {
  get(organizationId: string, now: number): OrgDatabaseLocation | undefined;
  set(organizationId: string, location: OrgDatabaseLocation, now: number): void;
}

/**
 * How long an isolate trusts a cached {@link OrgDatabaseLocation} by default, in ms: also how
 * long `kuratchi-ses org migrate` waits after marking an organisation moving before it copies.
 */
export const ORG_LOCATION_CACHE_TTL_MS = 60_000;

/** Options of {@link createOrgBindingCache}. */
export interface OrgBindingCacheOptions {
  /** How long a location is trusted, in ms; default {@link ORG_LOCATION_CACHE_TTL_MS}. */
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
  const ttlMs = options.ttlMs ?? ORG_LOCATION_CACHE_TTL_MS;
  const maxEntries = options.maxEntries ?? 1000;
  if (!(ttlMs > 0) || !Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('org binding cache: ttlMs must be positive and maxEntries a positive integer');
  }
  const entries = new Map<string, { location: OrgDatabaseLocation; until: number }>();
  return {
    get(organizationId, now) {
      const entry = entries.get(organizationId);
      if (!entry) return undefined;
      if (now >= entry.until) {
        entries.delete(organizationId);
        return undefined;
      }
      return entry.location;
    },
    set(organizationId, location, now) {
      entries.delete(organizationId);
      entries.set(organizationId, { location, until: now + ttlMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

/**
 * Reads where an organisation's database lives from the admin database (a removed organisation
 * has none: nothing routes to it).
 * @throws {OrgDatabaseError} `organization-not-found`.
 */
export async function readOrgDatabaseLocation(
  adminDb: D1Database,
  organizationId: string,
): Promise<OrgDatabaseLocation> {
  const row = await adminDb
    .prepare(
      `SELECT database_kind AS kind, database_binding AS binding, moving_since AS movingSince
         FROM organizations WHERE id = ? AND removed_at IS NULL`,
    )
    .bind(organizationId)
    .first<OrgDatabaseLocation>();
  if (!row) throw new OrgDatabaseError('organization-not-found', `organization ${organizationId} does not exist`);
  return row;
}

/**
 * Creates `orgDatabaseClient(orgId)`: looks the organisation up in the admin database
 * (`organizations.database_kind` and `database_binding`) and returns its database as a
 * `D1Database`: the D1 database bound under that name, or its Durable Object
 * (`durableObjectDatabase`), which answers the same API. Each organisation is looked up once per
 * client, and, given a `cache` kept per isolate, once per cache lifetime (default a minute)
 * across clients.
 * @throws {OrgDatabaseError} `organization-not-found`, `binding-missing`, or
 *   `organization-moving` while `kuratchi-ses org migrate` moves it (retry later).
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
  let location = cache?.get(organizationId, Date.now());
  if (location === undefined) {
    location = await readOrgDatabaseLocation(adminDb, organizationId);
    // A moving organisation is read again each time, so that its switch is seen at once.
    if (location.movingSince === null) cache?.set(organizationId, location, Date.now());
  }
  if (location.movingSince !== null) {
    throw new OrgDatabaseError(
      'organization-moving',
      `organization ${organizationId} is being moved to a Durable Object (since ${new Date(location.movingSince).toISOString()}): retry shortly`,
    );
  }
  return openOrgDatabase(env, organizationId, location);
}

/**
 * The database at a location: the D1 binding, or the organisation's object in the namespace.
 * @throws {OrgDatabaseError} `binding-missing` when the Worker has no such binding of that kind.
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/
 */
export function openOrgDatabase(env: D1Bindings, organizationId: string, location: OrgDatabaseLocation): D1Database {
  const bound = location.binding === ADMIN_DB_BINDING ? undefined : env[location.binding];
  if (location.kind === 'durable-object') {
    if (!isDurableObjectNamespace(bound)) {
      throw new OrgDatabaseError(
        'binding-missing',
        `organization ${organizationId} lives in Durable Object namespace ${location.binding}, which is not bound to this Worker`,
      );
    }
    const stub = bound.get(bound.idFromName(organizationId)) as unknown as OrganizationDatabaseRpc;
    return durableObjectDatabase(stub);
  }
  if (!isD1Database(bound)) {
    throw new OrgDatabaseError(
      'binding-missing',
      `organization ${organizationId} uses D1 binding ${location.binding}, which is not bound to this Worker`,
    );
  }
  return bound;
}

function isD1Database(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && typeof (value as D1Database).prepare === 'function';
}

function isDurableObjectNamespace(value: unknown): value is DurableObjectNamespace {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DurableObjectNamespace).idFromName === 'function' &&
    typeof (value as DurableObjectNamespace).get === 'function'
  );
}
