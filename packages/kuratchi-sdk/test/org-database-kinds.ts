import { env } from 'cloudflare:test';
import { durableObjectDatabase } from '../src/lib/email/store/durable-object-database.js';
import type { OrgDatabaseKind } from '../src/lib/email/store/org-databases.js';
import { ORGS } from './seed.js';

/**
 * One organisation database of each kind, so that a store suite runs once per kind from one
 * `describe.each(ORG_DATABASE_KINDS)` (issue 16): Acme on its D1 binding, Initech on its
 * SQLite-backed Durable Object (`OrganizationDatabase`, migrated inside the object on first use),
 * both answering the `D1Database` API that the stores take.
 */
export interface OrgDatabaseCase {
  kind: OrgDatabaseKind;
  organizationId: string;
  db: D1Database;
}

/** The object of `organizationId` in the tests' `ORG_DO` namespace, as a `D1Database`. */
export function orgObjectDatabase(organizationId: string): D1Database {
  return durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(organizationId)));
}

/** Acme (D1) and Initech (Durable Object), as `seedOrganizations` registers them. */
export const ORG_DATABASE_KINDS: readonly OrgDatabaseCase[] = [
  { kind: 'd1', organizationId: ORGS.acme, db: env.ORG_DB_ACME },
  { kind: 'durable-object', organizationId: ORGS.initech, db: orgObjectDatabase(ORGS.initech) },
];
