import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, insertEmail } from '../../../../test/seed.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { InvalidOptionsError } from '../shared/invalid-options.js';
import { MIGRATIONS_TABLE } from '../durable-object/apply-org-migrations.js';
import { createD1EmailQueries } from '../email-log/d1-email-queries.js';
import { createOrgDatabaseClient, openOrgDatabase } from './org-databases.js';
import { createOrganization, listOrganizations, OrganizationExistsError } from './organizations.js';

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
