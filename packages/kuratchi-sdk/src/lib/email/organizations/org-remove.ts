import type { D1Database } from '@cloudflare/workers-types';
import type { OrganizationRecord } from './organizations.js';

/** A removed organisation: where its database (kept, with its mail) lives, when and by whom it was removed. */
export interface RemovedOrganization extends OrganizationRecord {
  removedAt: number;
  removedBy: string;
}

/**
 * Why an organisation could not be removed (nothing changed): `organization-not-found` (no such
 * organisation, or removed already) or `organization-moving` (`kuratchi-ses org migrate` is
 * moving it: finish or undo the move first).
 */
export class OrganizationRemoveError extends Error {
  override readonly name = 'OrganizationRemoveError';
  constructor(
    readonly code: 'organization-not-found' | 'organization-moving',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Removes an organisation (admin migration 0029): its row is marked removed, so nothing routes
 * to it any more (its database reads as not found: `sendEmail` refuses, its events are not
 * applied, its pages and the cron jobs skip it; an isolate that cached its location sees it within
 * `ORG_LOCATION_CACHE_TTL_MS`) and it leaves every list. Nothing is deleted: its
 * D1 database or Durable Object keeps its mail until an operator deletes it, and a D1 binding stays
 * taken meanwhile. Its SES tenant is the caller's to delete (`removeSesTenant`, retried by the
 * cron). A single conditional UPDATE: of two concurrent removals one succeeds.
 * @throws {OrganizationRemoveError} `organization-not-found`, `organization-moving`.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function removeOrganization(
  adminDb: D1Database,
  options: { organizationId: string; removedBy: string; now: Date },
): Promise<RemovedOrganization> {
  const { organizationId, removedBy } = options;
  const removedAt = options.now.getTime();
  const row = await adminDb
    .prepare(
      `UPDATE organizations SET removed_at = ?, removed_by = ?
        WHERE id = ? AND removed_at IS NULL AND moving_since IS NULL
        RETURNING id, name, database_kind AS kind, database_binding AS binding, moving_since AS movingSince,
                  created_at AS createdAt, removed_at AS removedAt, removed_by AS removedBy`,
    )
    .bind(removedAt, removedBy, organizationId)
    .first<RemovedOrganization>();
  if (row) return row;
  const current = await adminDb
    .prepare('SELECT moving_since AS movingSince, removed_at AS removedAt FROM organizations WHERE id = ?')
    .bind(organizationId)
    .first<{ movingSince: number | null; removedAt: number | null }>();
  if (current && current.removedAt === null)
    throw new OrganizationRemoveError('organization-moving', `organization ${organizationId} is being moved`);
  throw new OrganizationRemoveError(
    'organization-not-found',
    current ? `organization ${organizationId} is removed already` : `organization ${organizationId} does not exist`,
  );
}

/**
 * The removed organisations, most recently removed first: the databases an operator may delete.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listRemovedOrganizations(adminDb: D1Database): Promise<RemovedOrganization[]> {
  const { results } = await adminDb
    .prepare(
      `SELECT id, name, database_kind AS kind, database_binding AS binding, moving_since AS movingSince,
              created_at AS createdAt, removed_at AS removedAt, removed_by AS removedBy
         FROM organizations WHERE removed_at IS NOT NULL ORDER BY removed_at DESC, id`,
    )
    .all<RemovedOrganization>();
  return results;
}
