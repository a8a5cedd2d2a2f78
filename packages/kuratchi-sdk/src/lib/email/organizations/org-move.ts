import type { D1Database } from '@cloudflare/workers-types';
import { ORG_TABLES, type ComparePage } from './org-copy.js';
import { ORG_LOCATION_CACHE_TTL_MS, readOrgDatabaseLocation, type OrgDatabaseLocation } from './org-databases.js';

/**
 * The admin side of moving an organisation from its D1 binding to a Durable Object (what
 * `kuratchi-ses org migrate` drives through the operations API): mark it moving, wait until every
 * isolate has seen that, copy, verify, switch; or abort back to D1. While it is moving its
 * database is refused to every caller (`OrgDatabaseError` `organization-moving`): the queue
 * consumer retries its events later, the webhook answers them 503 so SNS delivers again, so
 * none is lost and none is written to the D1 database behind the copy's back.
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#explicit-acknowledgement-and-retries
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */

/**
 * How long after an organisation is marked moving before its copy may start: an isolate trusts a
 * cached location for {@link ORG_LOCATION_CACHE_TTL_MS}, and a queue batch that resolved the old
 * location just before may still be writing; 30 s more covers it.
 */
export const ORG_MOVE_SETTLE_MS = ORG_LOCATION_CACHE_TTL_MS + 30_000;

/** Why a move step was refused (nothing changed). */
/** `backfilling`: its daily rollups are still being backfilled (routing/rollup-backfill.ts): a copy
 * would carry figures that are short, with no marker left to finish them. */
export type OrgMoveErrorCode =
  'not-on-d1' | 'already-moving' | 'not-moving' | 'settling' | 'not-verified' | 'backfilling';

/** A move step was refused: the organisation is not in the state that step needs. */
export class OrgMoveError extends Error {
  override readonly name = 'OrgMoveError';
  constructor(
    readonly code: OrgMoveErrorCode,
    message: string,
    /** For `settling`: ms until the copy may start. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * Marks a D1 organisation moving (`organizations.moving_since = now`); from then on its database
 * is refused to every caller until {@link switchOrgToDurableObject} or {@link abortOrgMove}.
 * @throws {OrgMoveError} `not-on-d1`, `already-moving`; {@link OrgDatabaseError} `organization-not-found`.
 */
export async function startOrgMove(
  adminDb: D1Database,
  organizationId: string,
  now: number,
): Promise<OrgDatabaseLocation> {
  const location = await readOrgDatabaseLocation(adminDb, organizationId);
  if (location.movingSince !== null) {
    throw new OrgMoveError(
      'already-moving',
      `organization ${organizationId} is already being moved (since ${iso(location.movingSince)})`,
    );
  }
  if (location.kind !== 'd1') {
    throw new OrgMoveError(
      'not-on-d1',
      `organization ${organizationId} already lives on a Durable Object (${location.binding})`,
    );
  }
  const [updated] = await adminDb.batch([
    adminDb
      .prepare(
        `UPDATE organizations SET moving_since = ? WHERE id = ? AND moving_since IS NULL AND database_kind = 'd1'`,
      )
      .bind(now, organizationId),
    forgetVerification(adminDb, organizationId),
  ]);
  if (updated!.meta.changes !== 1)
    throw new OrgMoveError('already-moving', `organization ${organizationId} changed meanwhile`);
  return { ...location, movingSince: now };
}

/**
 * The D1 location of an organisation being moved, once it may be copied.
 * @throws {OrgMoveError} `not-moving`, or `settling` (with `retryAfterMs`) before
 *   {@link ORG_MOVE_SETTLE_MS} has passed since it was marked.
 */
export async function settledOrgMove(
  adminDb: D1Database,
  organizationId: string,
  now: number,
): Promise<OrgDatabaseLocation> {
  const location = await movingLocation(adminDb, organizationId);
  const wait = location.movingSince! + ORG_MOVE_SETTLE_MS - now;
  if (wait > 0) {
    throw new OrgMoveError(
      'settling',
      `organization ${organizationId}: waiting ${Math.ceil(wait / 1000)} s more for every isolate to stop writing to D1`,
      wait,
    );
  }
  return location;
}

/**
 * Records the comparison of one page of a moving organisation's copy (`compareOrgTablePage` of
 * `table` after the cursor `after`): a page found equal extends the table's verified run when it
 * follows it (the first page, or the page after the last one verified); a page that differs
 * forgets the table's run, which must then be verified again from its first page. Returns
 * whether the page was equal.
 * @throws {OrgMoveError} `not-moving`.
 */
export async function recordOrgMoveVerification(
  adminDb: D1Database,
  organizationId: string,
  table: string,
  after: string | null,
  page: ComparePage,
): Promise<boolean> {
  await movingLocation(adminDb, organizationId);
  const equal = page.sourceRows === page.targetRows && page.sourceDigest === page.targetDigest;
  const complete = page.next === null ? 1 : 0;
  if (!equal) {
    await adminDb
      .prepare('DELETE FROM org_move_verification WHERE organization_id = ? AND table_name = ?')
      .bind(organizationId, table)
      .run();
  } else if (after === null) {
    await adminDb
      .prepare(
        `INSERT INTO org_move_verification (organization_id, table_name, verified_through, complete) VALUES (?, ?, ?, ?)
         ON CONFLICT (organization_id, table_name) DO UPDATE SET verified_through = excluded.verified_through, complete = excluded.complete`,
      )
      .bind(organizationId, table, page.next, complete)
      .run();
  } else {
    await adminDb
      .prepare(
        `UPDATE org_move_verification SET verified_through = ?, complete = ?
          WHERE organization_id = ? AND table_name = ? AND verified_through = ? AND complete = 0`,
      )
      .bind(page.next, complete, organizationId, table, after)
      .run();
  }
  return equal;
}

/**
 * Forgets what was verified of a moving organisation's copy: a page was copied since.
 * @see recordOrgMoveVerification
 */
export async function forgetOrgMoveVerification(adminDb: D1Database, organizationId: string): Promise<void> {
  await forgetVerification(adminDb, organizationId).run();
}

/** The organisation tables whose copy is not verified to its last page (since the last page copied). */
export async function unverifiedOrgTables(adminDb: D1Database, organizationId: string): Promise<string[]> {
  const { results } = await adminDb
    .prepare('SELECT table_name AS name FROM org_move_verification WHERE organization_id = ? AND complete = 1')
    .bind(organizationId)
    .all<{ name: string }>();
  const verified = new Set(results.map((r) => r.name));
  return ORG_TABLES.map((t) => t.name).filter((name) => !verified.has(name));
}

/**
 * Points a moving organisation at its Durable Object (`database_kind = 'durable-object'`,
 * `database_binding = namespaceBinding`) and ends the move: its queued and retried events go
 * to the object from now on. Every table of the copy must have been verified to its last page
 * since the last page copied ({@link recordOrgMoveVerification}). The D1 database is left as it
 * was (delete it when you no longer want it as a backup), and stays the organisation's
 * (`former_d1_binding`): no other organisation can be created on it and read its mail. The
 * object, named by the organisation's id, can be no other organisation's.
 * @throws {OrgMoveError} `not-moving`, or `not-verified` naming the tables (nothing changed).
 */
export async function switchOrgToDurableObject(
  adminDb: D1Database,
  organizationId: string,
  namespaceBinding: string,
): Promise<void> {
  await movingLocation(adminDb, organizationId);
  const unverified = await unverifiedOrgTables(adminDb, organizationId);
  if (unverified.length) {
    throw new OrgMoveError(
      'not-verified',
      `organization ${organizationId}: the copy of ${unverified.join(', ')} is not verified to its last page: not switched (run the verify step)`,
    );
  }
  await adminDb.batch([
    adminDb
      .prepare(
        `UPDATE organizations SET database_kind = 'durable-object', database_binding = ?, moving_since = NULL,
                former_d1_binding = database_binding
          WHERE id = ? AND moving_since IS NOT NULL`,
      )
      .bind(namespaceBinding, organizationId),
    forgetVerification(adminDb, organizationId),
  ]);
}

/**
 * Ends a move without switching: the organisation stays on its D1 database, which nothing wrote
 * to meanwhile, and its retried events are applied there.
 * @throws {OrgMoveError} `not-moving`.
 */
export async function abortOrgMove(adminDb: D1Database, organizationId: string): Promise<OrgDatabaseLocation> {
  const location = await movingLocation(adminDb, organizationId);
  await adminDb.batch([
    adminDb.prepare('UPDATE organizations SET moving_since = NULL WHERE id = ?').bind(organizationId),
    forgetVerification(adminDb, organizationId),
  ]);
  return { ...location, movingSince: null };
}

function forgetVerification(adminDb: D1Database, organizationId: string) {
  return adminDb.prepare('DELETE FROM org_move_verification WHERE organization_id = ?').bind(organizationId);
}

async function movingLocation(adminDb: D1Database, organizationId: string): Promise<OrgDatabaseLocation> {
  const location = await readOrgDatabaseLocation(adminDb, organizationId);
  if (location.movingSince === null) {
    throw new OrgMoveError(
      'not-moving',
      `organization ${organizationId} is not being moved (start with the start step)`,
    );
  }
  return location;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
