import { applyD1Migrations, env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, insertEmail, releaseD1Binding } from '../../../../test/seed.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { MIGRATIONS_TABLE } from '../durable-object/apply-org-migrations.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createOrgDatabaseClient, openOrgDatabase } from './org-databases.js';
import { BindingTakenError, createOrganization, listOrganizations, OrganizationExistsError } from './organizations.js';

/**
 * Onboarding an organisation at run time (createOrganization) and finding its database again
 * (createOrgDatabaseClient), for each kind: no binding is declared for a Durable Object
 * organisation, its object is created and migrated by the first use.
 */
const bindings = env as unknown as Record<string, unknown>;
const NOW = TEST_NOW.getTime();

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('createOrganization', () => {
  it('creates an organisation on its Durable Object by default: the row, and the object migrated', async () => {
    const created = await createOrganization(env.ADMIN_DB, bindings, {
      id: 'org-onboarded',
      name: 'Onboarded',
      createdAt: NOW,
    });
    expect(created).toEqual({
      id: 'org-onboarded',
      name: 'Onboarded',
      kind: 'durable-object',
      binding: 'ORG_DO',
      movingSince: null,
      createdAt: NOW,
    });
    const migrated = await runInDurableObject(
      env.ORG_DO.get(env.ORG_DO.idFromName('org-onboarded')),
      (_instance, state) => state.storage.sql.exec(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`).one().n,
    );
    expect(migrated).toBeGreaterThan(0);
    // Its database is found through the admin row alone, and takes an email.
    const db = await createOrgDatabaseClient(env.ADMIN_DB, bindings)('org-onboarded');
    const emailId = await insertEmail(db, { sesMessageId: 'ses-onboarded' });
    expect(await createD1EmailQueries(db).getEmail(emailId)).toMatchObject({ id: emailId, status: 'pending' });
    // The same object, whoever opens it.
    const again = openOrgDatabase(bindings, 'org-onboarded', created);
    expect(await countRows(again, 'emails')).toBe(1);
  });

  it('creates a D1 organisation on a binding the Worker has', async () => {
    const created = await createOrganization(env.ADMIN_DB, bindings, {
      id: 'org-on-d1',
      name: 'On D1',
      kind: 'd1',
      binding: 'ORG_DB_GLOBEX',
    });
    expect(created).toMatchObject({ kind: 'd1', binding: 'ORG_DB_GLOBEX' });
    expect(await createOrgDatabaseClient(env.ADMIN_DB, bindings)('org-on-d1')).toBe(env.ORG_DB_GLOBEX);
  });

  it('refuses a taken id, and changes nothing', async () => {
    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-taken', name: 'First' });
    const error = await failure(createOrganization(env.ADMIN_DB, bindings, { id: 'org-taken', name: 'Second' }));
    expect(error).toBeInstanceOf(OrganizationExistsError);
    expect(error).toMatchObject({ code: 'organization-exists', message: 'organization org-taken already exists' });
    expect((await listOrganizations(env.ADMIN_DB)).find((o) => o.id === 'org-taken')?.name).toBe('First');
  });

  it('refuses bad input naming each field, and writes nothing', async () => {
    const before = await countRows(env.ADMIN_DB, 'organizations');
    const cases: Array<[object, RegExp]> = [
      [{ id: 'Org Bad', name: 'x' }, /id: must be 2–64 lower-case letters, digits or dashes/],
      [{ id: 'org-ok', name: '  ' }, /name: must not be empty/],
      [{ id: 'org-ok', name: 'x', kind: 'postgres' }, /kind: /],
      [{ id: 'org-ok', name: 'x', kind: 'd1' }, /binding: is required for a d1 organisation/],
      [{ id: 'org-ok', name: 'x', binding: 'not a binding' }, /binding: must be a binding name/],
    ];
    for (const [input, message] of cases) {
      const error = await failure(createOrganization(env.ADMIN_DB, bindings, input as never));
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidOptionsError);
      expect((error as Error).message, JSON.stringify(input)).toMatch(message);
    }
    expect(await countRows(env.ADMIN_DB, 'organizations')).toBe(before);
  });

  it('refuses a binding the Worker does not have, or of the other kind, and writes nothing', async () => {
    const before = await countRows(env.ADMIN_DB, 'organizations');
    const cases: Array<[object, string]> = [
      [
        { id: 'org-no-ns', name: 'x', binding: 'ORG_DO_MISSING' },
        'organization org-no-ns lives in Durable Object namespace ORG_DO_MISSING, which is not bound to this Worker',
      ],
      [
        { id: 'org-d1-as-ns', name: 'x', binding: 'ORG_DB_ACME' },
        'organization org-d1-as-ns lives in Durable Object namespace ORG_DB_ACME, which is not bound to this Worker',
      ],
      [
        { id: 'org-ns-as-d1', name: 'x', kind: 'd1', binding: 'ORG_DO' },
        'organization org-ns-as-d1 uses D1 binding ORG_DO, which is not bound to this Worker',
      ],
      [
        { id: 'org-admin', name: 'x', kind: 'd1', binding: 'ADMIN_DB' },
        'organization org-admin uses D1 binding ADMIN_DB, which is not bound to this Worker',
      ],
    ];
    for (const [input, message] of cases) {
      const error = await failure(createOrganization(env.ADMIN_DB, bindings, input as never));
      expect(error).toBeInstanceOf(OrgDatabaseError);
      expect(error).toMatchObject({ code: 'binding-missing', message });
    }
    expect(await countRows(env.ADMIN_DB, 'organizations')).toBe(before);
  });
});

describe('one organisation per D1 database (admin migration 0016)', () => {
  const d1 = (id: string) => ({ id, name: id, kind: 'd1' as const, binding: 'ORG_DB_GLOBEX' });

  it('refuses a D1 binding another organisation lives on, naming it, and changes nothing', async () => {
    await releaseD1Binding('ORG_DB_GLOBEX');
    await createOrganization(env.ADMIN_DB, bindings, d1('org-tenant-a'));
    const before = await listOrganizations(env.ADMIN_DB);
    const error = await failure(createOrganization(env.ADMIN_DB, bindings, d1('org-tenant-b')));
    expect(error).toBeInstanceOf(BindingTakenError);
    expect(error).toMatchObject({
      code: 'binding-taken',
      binding: 'ORG_DB_GLOBEX',
      heldBy: 'org-tenant-a',
      message:
        'D1 binding ORG_DB_GLOBEX is the database of organization org-tenant-a: each organization needs a D1 database of its own (or none: a Durable Object)',
    });
    expect(await listOrganizations(env.ADMIN_DB)).toEqual(before);
    // Its id taken as well: still nothing changed.
    expect(await failure(createOrganization(env.ADMIN_DB, bindings, d1('org-tenant-a')))).toBeInstanceOf(Error);
    expect(await listOrganizations(env.ADMIN_DB)).toEqual(before);
    // Durable Object organisations share a namespace binding: each has its own object.
    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-tenant-c', name: 'C' });
    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-tenant-d', name: 'D' });
  });

  it('of concurrent creations on one binding, exactly one wins', async () => {
    await releaseD1Binding('ORG_DB_GLOBEX');
    const ids = Array.from({ length: 6 }, (_, i) => `org-race-${i}`);
    const settled = await Promise.allSettled(ids.map((id) => createOrganization(env.ADMIN_DB, bindings, d1(id))));
    const won = settled.filter((s) => s.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of settled.filter((s) => s.status === 'rejected')) {
      expect(lost.reason).toBeInstanceOf(BindingTakenError);
    }
    const onGlobex = (await listOrganizations(env.ADMIN_DB)).filter((o) => o.binding === 'ORG_DB_GLOBEX');
    expect(onGlobex.map((o) => o.id)).toEqual([(won[0] as PromiseFulfilledResult<{ id: string }>).value.id]);
  });

  it('holds for any writer: the admin database refuses a second row on a D1 binding', async () => {
    await releaseD1Binding('ORG_DB_GLOBEX');
    await createOrganization(env.ADMIN_DB, bindings, d1('org-raw-a'));
    await expect(
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES ('org-raw-b', 'B', 'ORG_DB_GLOBEX', 'd1', 0)`,
      ).run(),
    ).rejects.toThrow(/UNIQUE constraint failed/);
  });

  it('stops the migration at its first statement, changing nothing, while organisations share one; applies once resolved', async () => {
    const db = env.ORG_DB_UNMIGRATED; // a scratch admin database of this file
    const migrations = env.ADMIN_MIGRATIONS;
    const before = migrations.filter((m) => m.name < '0016');
    await applyD1Migrations(db, before);
    const insert = (id: string, binding: string) =>
      db
        .prepare(`INSERT INTO organizations (id, name, database_binding, created_at) VALUES (?, ?, ?, 0)`)
        .bind(id, id, binding);
    await db.batch([insert('org-x', 'ORG_DB_SHARED'), insert('org-y', 'ORG_DB_SHARED')]);
    await expect(applyD1Migrations(db, migrations)).rejects.toThrow(/UNIQUE constraint failed/);
    const columns = await db.prepare(`SELECT name FROM pragma_table_info('organizations')`).all<{ name: string }>();
    expect(columns.results.map((c) => c.name)).not.toContain('former_d1_binding');
    // What the migration's comment tells the operator to run, then to do.
    const shared = await db
      .prepare(
        `SELECT database_binding, group_concat(id) AS ids FROM organizations
          WHERE database_kind = 'd1' GROUP BY database_binding HAVING count(*) > 1`,
      )
      .all();
    expect(shared.results).toEqual([{ database_binding: 'ORG_DB_SHARED', ids: 'org-x,org-y' }]);
    await db.prepare(`UPDATE organizations SET database_binding = 'ORG_DB_Y' WHERE id = 'org-y'`).run();
    await applyD1Migrations(db, migrations);
    expect(await db.prepare(`SELECT count(*) AS n FROM d1_migrations`).first('n')).toBe(migrations.length);
  });
});

describe('listOrganizations', () => {
  it('lists every organisation by id with where its database lives', async () => {
    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-list-b', name: 'B', createdAt: NOW });
    await createOrganization(env.ADMIN_DB, bindings, {
      id: 'org-list-a',
      name: 'A',
      kind: 'd1',
      binding: 'ORG_DB_ACME',
      createdAt: NOW,
    });
    const listed = (await listOrganizations(env.ADMIN_DB)).filter((o) => o.id.startsWith('org-list-'));
    expect(listed).toEqual([
      { id: 'org-list-a', name: 'A', kind: 'd1', binding: 'ORG_DB_ACME', movingSince: null, createdAt: NOW },
      { id: 'org-list-b', name: 'B', kind: 'durable-object', binding: 'ORG_DO', movingSince: null, createdAt: NOW },
    ]);
  });
});

describe('createOrgDatabaseClient', () => {
  it('names an unknown organisation, and a namespace the Worker lost since', async () => {
    const open = createOrgDatabaseClient(env.ADMIN_DB, bindings);
    expect(await failure(open('org-nobody'))).toMatchObject({
      code: 'organization-not-found',
      message: 'organization org-nobody does not exist',
    });
    await env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_binding, database_kind, created_at)
       VALUES ('org-lost-ns', 'Lost', 'ORG_DO_REMOVED', 'durable-object', 0)`,
    ).run();
    expect(await failure(open('org-lost-ns'))).toMatchObject({ code: 'binding-missing' });
  });
});
