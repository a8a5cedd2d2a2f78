import type { D1Database } from '@cloudflare/workers-types';
import { createOrgDatabaseClient, getAdminDb } from 'kuratchi-sdk/email/d1';

/** Per-request access to kuratchi's databases (`event.locals.kuratchi`). */
export interface KuratchiLocals {
  /** The admin D1 database; throws an OrgDatabaseError naming the binding when it is missing. */
  getAdminDb(): D1Database;
  /** An organisation's D1 database, resolved through the admin database's organizations table. */
  orgDatabaseClient(organizationId: string): Promise<D1Database>;
}

/** Builds `locals.kuratchi` for one request from the Worker env (nothing is resolved until used). */
export function createKuratchiLocals(env: App.Platform['env'] | undefined): KuratchiLocals {
  const bindings: Record<string, unknown> = env ?? {};
  let adminDb: D1Database | undefined;
  let orgDatabase: ((organizationId: string) => Promise<D1Database>) | undefined;
  const locals: KuratchiLocals = {
    getAdminDb: () => (adminDb ??= getAdminDb(bindings)),
    orgDatabaseClient: (organizationId) =>
      (orgDatabase ??= createOrgDatabaseClient(locals.getAdminDb(), bindings))(organizationId),
  };
  return locals;
}
