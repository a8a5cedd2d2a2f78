import type { D1Database } from '@cloudflare/workers-types';
import { error } from '@sveltejs/kit';
import { createOrgDatabaseClient, getAdminDb, OrgDatabaseError, type OrgBindingCache } from 'kuratchi-sdk/internal/d1';

/** Per-request access to kuratchi's databases (`event.locals.kuratchi`). */
export interface KuratchiLocals {
  /** The admin D1 database; throws an OrgDatabaseError naming the binding when it is missing. */
  getAdminDb(): D1Database;
  /**
   * An organisation's database (its D1 binding or its Durable Object, as a `D1Database`),
   * resolved through the admin database's organizations table. While the organisation is being
   * moved (`kuratchi-ses org migrate`) it throws SvelteKit's 503 saying so.
   */
  orgDatabaseClient(organizationId: string): Promise<D1Database>;
}

/**
 * Builds `locals.kuratchi` for one request from the Worker env (nothing is resolved until used).
 * Given `orgLocations` (a cache kept per isolate), an organisation's database location is read
 * from it while fresh instead of from `organizations` (the REST API's requests, see
 * `api/gate.ts`); without, every request reads it.
 */
export function createKuratchiLocals(
  env: App.Platform['env'] | undefined,
  orgLocations?: OrgBindingCache,
): KuratchiLocals {
  const bindings: Record<string, unknown> = env ?? {};
  let adminDb: D1Database | undefined;
  let orgDatabase: ((organizationId: string) => Promise<D1Database>) | undefined;
  const locals: KuratchiLocals = {
    getAdminDb: () => (adminDb ??= getAdminDb(bindings)),
    orgDatabaseClient: (organizationId) =>
      (orgDatabase ??= createOrgDatabaseClient(locals.getAdminDb(), bindings, orgLocations))(organizationId).catch(
        (cause: unknown) => {
          if (cause instanceof OrgDatabaseError && cause.code === 'organization-moving') {
            error(503, 'This organisation’s data is being moved to its new database: try again in a minute.');
          }
          throw cause;
        },
      ),
  };
  return locals;
}
