import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { parseOptions } from '../shared/invalid-options.js';
import { openOrgDatabase, type D1Bindings, type OrgDatabaseKind, type OrgDatabaseLocation } from './org-databases.js';

/** The Durable Object namespace binding organisations use unless told otherwise (wrangler.toml). */
export const DEFAULT_ORG_DURABLE_OBJECT_BINDING = 'ORG_DO';

/** What {@link createOrganization} needs. */
export interface NewOrganization {
  /** Lower-case letters, digits and dashes, 2 to 64 characters (`org-initech`). */
  id: string;
  /** Shown in the dashboard. */
  name: string;
  /** Default `durable-object`: no deploy needed. `d1` needs a D1 binding declared in wrangler.toml. */
  kind?: OrgDatabaseKind;
  /**
   * The binding: the Durable Object namespace (default {@link DEFAULT_ORG_DURABLE_OBJECT_BINDING})
   * or, for `d1`, the D1 binding (required).
   */
  binding?: string;
  /** Epoch ms; default now. */
  createdAt?: number;
}

/** An organisation as the admin database lists it. */
export interface OrganizationRecord extends OrgDatabaseLocation {
  id: string;
  name: string;
  createdAt: number;
}

/**
 * Why an organisation could not be created: `organization-exists` (the id is taken; nothing
 * changed).
 */
export class OrganizationExistsError extends Error {
  override readonly name = 'OrganizationExistsError';
  readonly code = 'organization-exists';
  constructor(readonly organizationId: string) {
    super(`organization ${organizationId} already exists`);
  }
}

/**
 * Why an organisation could not be created: `binding-taken`, its D1 database belongs to another
 * organisation (which lives on it, or lived on it before its move to a Durable Object: that
 * database is its backup); two organisations on one database read each other's mail. Nothing
 * changed. The admin database enforces it (migration 0016's unique index), so of two concurrent
 * creations on one binding exactly one succeeds.
 */
export class BindingTakenError extends Error {
  override readonly name = 'BindingTakenError';
  readonly code = 'binding-taken';
  constructor(
    readonly binding: string,
    /** The organisation that holds it, when it could be read. */
    readonly heldBy: string | null,
  ) {
    super(
      `D1 binding ${binding} is the database of ${heldBy ? `organization ${heldBy}` : 'another organization'}: ` +
        'each organization needs a D1 database of its own (or none: a Durable Object)',
    );
  }
}

/** The unique index of admin migration 0016: one organisation per D1 database. */
const ONE_PER_D1_DATABASE = 'organizations_one_per_d1_database';

const newOrganizationSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'must be 2–64 lower-case letters, digits or dashes'),
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    kind: z.enum(['d1', 'durable-object']).default('durable-object'),
    binding: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a binding name (letters, digits, underscores)')
      .optional(),
    createdAt: z.number().int().nonnegative().optional(),
  })
  .refine((o) => o.kind !== 'd1' || o.binding !== undefined, {
    path: ['binding'],
    message: 'is required for a d1 organisation (the D1 binding declared in wrangler.toml)',
  });

/**
 * Onboards an organisation at run time: checks that the Worker has its binding (of the right
 * kind), writes its `organizations` row, and for a Durable Object opens the object once so its
 * schema (the org migrations) is in place before the first send. A `durable-object`
 * organisation needs no wrangler.toml change and no deploy.
 * @throws {InvalidOptionsError} for a bad id, name, kind or binding name.
 * @throws {OrgDatabaseError} `binding-missing` when the Worker has no such binding (nothing written).
 * @throws {OrganizationExistsError} when the id is taken (nothing changed).
 * @throws {BindingTakenError} when its D1 database is another organisation's (nothing changed).
 * @see https://www.sqlite.org/lang_createindex.html#indexes_on_expressions
 * @see https://developers.cloudflare.com/durable-objects/api/namespace/#idfromname
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export async function createOrganization(
  adminDb: D1Database,
  env: D1Bindings,
  input: NewOrganization,
): Promise<OrganizationRecord> {
  const options = parseOptions('createOrganization', newOrganizationSchema, input);
  const location: OrgDatabaseLocation = {
    kind: options.kind,
    binding: options.binding ?? DEFAULT_ORG_DURABLE_OBJECT_BINDING,
    movingSince: null,
  };
  const database = openOrgDatabase(env, options.id, location);
  const createdAt = options.createdAt ?? Date.now();
  const inserted = await adminDb
    .prepare(
      `INSERT INTO organizations (id, name, database_binding, database_kind, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(options.id, options.name, location.binding, location.kind, createdAt)
    .run()
    .catch(async (error: unknown) => {
      if (!String(error).includes(ONE_PER_D1_DATABASE)) throw error;
      throw new BindingTakenError(location.binding, await d1DatabaseHolder(adminDb, location.binding));
    });
  if (inserted.meta.changes !== 1) throw new OrganizationExistsError(options.id);
  // First use creates the object and applies its migrations; a D1 database must be migrated already.
  await database.prepare('SELECT count(*) AS n FROM emails').first();
  return { id: options.id, name: options.name, createdAt, ...location };
}

/** The organisation whose D1 database `binding` is (see {@link BindingTakenError}), or null. */
async function d1DatabaseHolder(adminDb: D1Database, binding: string): Promise<string | null> {
  const row = await adminDb
    .prepare(
      `SELECT id FROM organizations
        WHERE (database_kind = 'd1' AND database_binding = ?1) OR former_d1_binding = ?1 LIMIT 1`,
    )
    .bind(binding)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/**
 * Every organisation and where its database lives, by id (not the removed ones: `listRemovedOrganizations`).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listOrganizations(adminDb: D1Database): Promise<OrganizationRecord[]> {
  const { results } = await adminDb
    .prepare(
      `SELECT id, name, database_kind AS kind, database_binding AS binding, moving_since AS movingSince,
              created_at AS createdAt
         FROM organizations WHERE removed_at IS NULL ORDER BY id`,
    )
    .all<OrganizationRecord>();
  return results;
}
