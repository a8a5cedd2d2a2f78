import { DeleteTenantCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, insertEmail } from '../../../../test/seed.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { createD1TenantStore } from '../tenants/d1-tenant-store.js';
import { removeSesTenant, retrySesTenantWork } from '../tenants/provision.js';
import { createOrgDatabaseClient, openOrgDatabase } from './org-databases.js';
import { listRemovedOrganizations, OrganizationRemoveError, removeOrganization } from './org-remove.js';
import { createOrganization, listOrganizations } from './organizations.js';

const bindings = env as unknown as Record<string, unknown>;
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('removeOrganization', () => {
  it('stops routing to it, keeps its database and mail, and its SES tenant is deleted through the retried tenant work', async () => {
    const now = TEST_NOW;
    const created = await createOrganization(env.ADMIN_DB, bindings, { id: 'org-leaving', name: 'Leaving' });
    const emailId = await insertEmail(await createOrgDatabaseClient(env.ADMIN_DB, bindings)('org-leaving'));
    await createD1TenantStore(env.ADMIN_DB).plan('org-leaving', 'org-leaving', now.getTime());
    await createD1TenantStore(env.ADMIN_DB).tenantDone(
      'org-leaving',
      { state: 'created', tenantArn: 'arn:aws:ses:eu-west-1:123456789012:tenant/org-leaving/t-1' },
      null,
      now.getTime(),
    );

    const removed = await removeOrganization(env.ADMIN_DB, {
      organizationId: 'org-leaving',
      removedBy: 'root@kuratchi.test',
      now,
    });
    expect(removed).toEqual({ ...created, removedAt: now.getTime(), removedBy: 'root@kuratchi.test' });
    // Nothing routes to it: its database reads as not found, and it leaves the lists but the removed one.
    const error = await failure(createOrgDatabaseClient(env.ADMIN_DB, bindings)('org-leaving'));
    expect(error).toBeInstanceOf(OrgDatabaseError);
    expect(error).toMatchObject({ code: 'organization-not-found' });
    expect((await listOrganizations(env.ADMIN_DB)).map((o) => o.id)).not.toContain('org-leaving');
    expect(await listRemovedOrganizations(env.ADMIN_DB)).toContainEqual(removed);
    // Its mail is where it was, until an operator deletes the database.
    const kept = openOrgDatabase(bindings, 'org-leaving', removed);
    expect(await countRows(kept, 'emails')).toBe(1);
    expect(await kept.prepare('SELECT id FROM emails').first('id')).toBe(emailId);

    // The tenant: the cron's sweep marks it (as removeSesTenant does at once) and deletes it at SES.
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    const mock = mockClient(ses);
    mock.on(DeleteTenantCommand).resolves({});
    const resources = { configurationSets: [], identities: [] };
    const run = await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now });
    expect(run.done).toContain('tenant org-leaving deleted at SES');
    expect(mock.commandCalls(DeleteTenantCommand).map((c) => c.args[0].input)).toContainEqual({
      TenantName: 'org-leaving',
    });
    // …and never gives it a new one.
    expect(await createD1TenantStore(env.ADMIN_DB).get('org-leaving')).toBeNull();
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now });
    expect(await createD1TenantStore(env.ADMIN_DB).get('org-leaving')).toBeNull();
    expect(await removeSesTenant({ adminDb: env.ADMIN_DB, ses: null, organizationId: 'org-leaving', now })).toEqual({
      done: [],
      failures: [],
    });

    // Its id stays taken.
    await expect(
      createOrganization(env.ADMIN_DB, bindings, { id: 'org-leaving', name: 'Again' }),
    ).rejects.toMatchObject({ code: 'organization-exists' });
  });

  it('refuses one removed already, one unknown, and one being moved, changing nothing', async () => {
    const now = TEST_NOW;
    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-twice', name: 'Twice' });
    await removeOrganization(env.ADMIN_DB, { organizationId: 'org-twice', removedBy: 'a@kuratchi.test', now });
    const again = await failure(
      removeOrganization(env.ADMIN_DB, { organizationId: 'org-twice', removedBy: 'b@kuratchi.test', now }),
    );
    expect(again).toBeInstanceOf(OrganizationRemoveError);
    expect(again).toMatchObject({
      code: 'organization-not-found',
      message: 'organization org-twice is removed already',
    });
    expect((await listRemovedOrganizations(env.ADMIN_DB)).find((o) => o.id === 'org-twice')?.removedBy).toBe(
      'a@kuratchi.test',
    );
    expect(
      await failure(
        removeOrganization(env.ADMIN_DB, { organizationId: 'org-nobody', removedBy: 'a@kuratchi.test', now }),
      ),
    ).toMatchObject({ code: 'organization-not-found', message: 'organization org-nobody does not exist' });

    await createOrganization(env.ADMIN_DB, bindings, { id: 'org-moving', name: 'Moving' });
    await env.ADMIN_DB.prepare(`UPDATE organizations SET moving_since = 1 WHERE id = 'org-moving'`).run();
    expect(
      await failure(
        removeOrganization(env.ADMIN_DB, { organizationId: 'org-moving', removedBy: 'a@kuratchi.test', now }),
      ),
    ).toMatchObject({ code: 'organization-moving' });
    expect((await listOrganizations(env.ADMIN_DB)).map((o) => o.id)).toContain('org-moving');
  });
});
