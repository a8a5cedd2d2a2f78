import { env } from 'cloudflare:test';
import { durableObjectDatabase } from '../src/lib/email/organizations/durable-object-database.js';
import { compareOrgTablePage, ORG_TABLES } from '../src/lib/email/organizations/org-copy.js';
import { recordOrgMoveVerification } from '../src/lib/email/organizations/org-move.js';
import type { OrgDatabaseKind } from '../src/lib/email/organizations/org-databases.js';
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

/**
 * Verifies every table of a moving organisation's copy, page by page, and records each page, as
 * the verify step of `kuratchi-ses org migrate` does; returns whether every page was equal.
 */
export async function verifyOrgCopy(
  organizationId: string,
  source: D1Database,
  target: D1Database,
  limit = 500,
): Promise<boolean> {
  let equal = true;
  for (const table of ORG_TABLES) {
    let after: string | null = null;
    do {
      const page = await compareOrgTablePage(source, target, table, after, limit);
      equal = (await recordOrgMoveVerification(env.ADMIN_DB, organizationId, table.name, after, page)) && equal;
      after = page.next;
    } while (after !== null);
  }
  return equal;
}
