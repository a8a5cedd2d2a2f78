import {
  CreateTenantCommand,
  CreateTenantResourceAssociationCommand,
  DeleteTenantCommand,
  GetTenantCommand,
  PutTenantSuppressionAttributesCommand,
  UpdateReputationEntityCustomerManagedStatusCommand,
} from '@aws-sdk/client-sesv2';
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { addOrganizations } from '../../../../test/seed.js';
import { stubbedSes } from '../../../../test/ses-stub.js';
import { held } from '../../../../test/held.js';
import { TENANT_RETRY_BASE_MS } from './backoff.js';
import { setTenantSending } from './customer-status.js';
import { createD1TenantStore } from './d1-tenant-store.js';
import { provisionSesTenant, removeSesTenant, retrySesTenantWork } from './provision.js';

const ACCOUNT = '123456789012';
const arnOf = (org: string) => `arn:aws:ses:eu-west-1:${ACCOUNT}:tenant/${org}/t-${org}`;
const resources = { configurationSets: ['kuratchi-email-tracking'], identities: ['mail.example.com'] };
const store = () => createD1TenantStore(env.ADMIN_DB);
const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });

/** A client stubbed at the SDK's send: CreateTenant and GetTenant answer as SES documents them. */
function sesStub() {
  const { ses, mock } = stubbedSes();
  mock.on(CreateTenantCommand).callsFake(({ TenantName }: { TenantName: string }) => ({
    TenantName,
    TenantArn: arnOf(TenantName),
    SendingStatus: 'ENABLED',
  }));
  mock.on(CreateTenantResourceAssociationCommand).resolves({});
  mock.on(DeleteTenantCommand).resolves({});
  mock.on(UpdateReputationEntityCustomerManagedStatusCommand).resolves({});
  return { ses, mock };
}

const addOrganization = (id: string) => addOrganizations([{ id }]);

/** {@link sesStub}, and the organisation `id` with its tenant created at `now`. */
async function provisioned(id: string, now: number) {
  const stub = sesStub();
  await addOrganization(id);
  await provisionSesTenant({ adminDb: env.ADMIN_DB, ses: stub.ses, resources, organizationId: id, now: new Date(now) });
  return stub;
}

/** {@link provisioned}, its tenant ENABLED at SES (GetTenant), its pause wished with no credentials: left to the cron. */
async function pauseLeftToCron(id: string, now: number) {
  const stub = await provisioned(id, now);
  stub.mock.on(GetTenantCommand).resolves({ Tenant: { TenantArn: arnOf(id), SendingStatus: 'ENABLED' } });
  await setTenantSending({ adminDb: env.ADMIN_DB, ses: null, organizationId: id, enabled: false, now });
  return stub;
}

describe("an organisation's SES tenant", () => {
  it('is created with its configuration sets and identities associated, and recorded (request shapes of the API reference)', async () => {
    const now = testTime(0);
    const { ses, mock } = sesStub();
    await addOrganization('tn-acme');
    await store().plan('tn-other', 'tn-other', now.getTime() + 10 ** 9); // another tenant's work, not due
    const run = await provisionSesTenant({ adminDb: env.ADMIN_DB, ses, resources, organizationId: 'tn-acme', now });

    expect(run.failures).toEqual([]);
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenant.html
    expect(mock.commandCalls(CreateTenantCommand).map((c) => c.args[0].input)).toEqual([
      {
        TenantName: 'tn-acme',
        SuppressionAttributes: { SuppressionScope: 'TENANT', SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      },
    ]);
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
    expect(mock.commandCalls(CreateTenantResourceAssociationCommand).map((c) => c.args[0].input)).toEqual([
      {
        TenantName: 'tn-acme',
        ResourceArn: `arn:aws:ses:eu-west-1:${ACCOUNT}:configuration-set/kuratchi-email-tracking`,
      },
      { TenantName: 'tn-acme', ResourceArn: `arn:aws:ses:eu-west-1:${ACCOUNT}:identity/mail.example.com` },
    ]);
    expect(await store().get('tn-acme')).toMatchObject({
      tenantArn: arnOf('tn-acme'),
      state: 'created',
      sendingStatus: 'ENABLED',
      attempts: 0,
      nextAttemptAt: null,
    });
    expect((await store().resources('tn-acme')).map((r) => [r.kind, r.name, r.state])).toEqual([
      ['configuration-set', 'kuratchi-email-tracking', 'associated'],
      ['identity', 'mail.example.com', 'associated'],
    ]);
  });

  it('that existed already (AlreadyExistsException) ends with its own suppression list, like a new one', async () => {
    const now = testTime(0);
    const { ses, mock } = sesStub();
    const exists = () => Object.assign(new Error('the tenant exists'), { name: 'AlreadyExistsException' });
    mock.on(CreateTenantCommand).rejects(exists());
    const tenant = (org: string, SuppressionAttributes?: object) => ({
      Tenant: { TenantName: org, TenantArn: arnOf(org), SendingStatus: 'ENABLED' as const, SuppressionAttributes },
    });
    mock.on(GetTenantCommand, { TenantName: 'tn-old' }).resolves(tenant('tn-old'));
    mock
      .on(GetTenantCommand, { TenantName: 'tn-kept' })
      .resolves(tenant('tn-kept', { SuppressionScope: 'TENANT', SuppressedReasons: ['COMPLAINT', 'BOUNCE'] }));
    mock.on(PutTenantSuppressionAttributesCommand).resolves({});
    for (const org of ['tn-old', 'tn-kept']) {
      await addOrganization(org);
      const run = await provisionSesTenant({ adminDb: env.ADMIN_DB, ses, resources, organizationId: org, now });
      expect(run.failures).toEqual([]);
      expect(await store().get(org)).toMatchObject({ state: 'created', tenantArn: arnOf(org) });
    }
    // Only the tenant on the account's list (no SuppressionAttributes: ACCOUNT scope) is changed.
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutTenantSuppressionAttributes.html
    expect(mock.commandCalls(PutTenantSuppressionAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { TenantName: 'tn-old', SuppressionScope: 'TENANT', SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    ]);
  });

  it('a failed CreateTenant is recorded, not thrown, and the cron retries it with backoff until SES accepts', async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = sesStub();
    mock
      .on(CreateTenantCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ TenantName: 'tn-retry', TenantArn: arnOf('tn-retry'), SendingStatus: 'ENABLED' });
    await addOrganization('tn-retry');
    const first = await provisionSesTenant({
      adminDb: env.ADMIN_DB,
      ses,
      resources,
      organizationId: 'tn-retry',
      now: new Date(now),
    });
    expect(first.failures).toEqual(['tenant tn-retry: TooManyRequestsException: Rate exceeded (retried by the cron)']);
    expect(await store().get('tn-retry')).toMatchObject({
      state: 'create-pending',
      attempts: 1,
      lastError: 'TooManyRequestsException: Rate exceeded',
      nextAttemptAt: now + TENANT_RETRY_BASE_MS,
    });
    expect(mock.commandCalls(CreateTenantResourceAssociationCommand)).toHaveLength(0);

    const cron = (at: number) => retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(at) });
    // Not due yet: SES is not called.
    await cron(now + TENANT_RETRY_BASE_MS - 1);
    expect(mock.commandCalls(CreateTenantCommand)).toHaveLength(1);
    // Due: fails again, and waits twice as long.
    await cron(now + TENANT_RETRY_BASE_MS);
    expect(await store().get('tn-retry')).toMatchObject({
      attempts: 2,
      nextAttemptAt: now + 3 * TENANT_RETRY_BASE_MS,
    });
    const third = await cron(now + 3 * TENANT_RETRY_BASE_MS);
    expect(third.failures).toEqual([]);
    expect(third.done).toEqual([
      'tenant tn-retry created at SES',
      'configuration-set kuratchi-email-tracking associated with tenant tn-retry',
      'identity mail.example.com associated with tenant tn-retry',
    ]);
    expect(await store().get('tn-retry')).toMatchObject({ state: 'created', attempts: 0, lastError: null });
  });

  it('the cron gives organisations without a tenant one, and a resource added later (their own configuration set)', async () => {
    const now = testTime(0);
    const { ses, mock } = sesStub();
    await addOrganization('tn-late');
    await env.ADMIN_DB.prepare(
      `INSERT INTO organization_configuration_sets (organization_id, configuration_set_name) VALUES ('tn-late', 'late-set')`,
    ).run();
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now });
    expect(mock.commandCalls(CreateTenantCommand).map((c) => c.args[0].input.TenantName)).toContain('tn-late');
    expect((await store().resources('tn-late')).map((r) => [r.name, r.state])).toEqual([
      ['kuratchi-email-tracking', 'associated'],
      ['late-set', 'associated'],
      ['mail.example.com', 'associated'],
    ]);
  });

  it('is deleted when its organisation is removed (DeleteTenant; a tenant already gone counts as deleted)', async () => {
    const now = testTime(0);
    const { ses, mock } = await provisioned('tn-gone', now.getTime());
    await env.ADMIN_DB.prepare(`DELETE FROM organizations WHERE id = 'tn-gone'`).run();
    mock
      .on(DeleteTenantCommand)
      .rejectsOnce(throttled())
      .rejects(Object.assign(new Error('gone'), { name: 'NotFoundException' }));
    const failed = await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now });
    expect(failed.failures).toContain('tenant tn-gone: TooManyRequestsException: Rate exceeded (retried by the cron)');
    expect(await store().get('tn-gone')).toMatchObject({ state: 'delete-pending', attempts: 1 });
    await retrySesTenantWork({
      adminDb: env.ADMIN_DB,
      ses,
      resources,
      now: new Date(now.getTime() + TENANT_RETRY_BASE_MS),
    });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteTenant.html
    expect(mock.commandCalls(DeleteTenantCommand).map((c) => c.args[0].input)).toEqual([
      { TenantName: 'tn-gone' },
      { TenantName: 'tn-gone' },
    ]);
    expect(await store().get('tn-gone')).toBeNull();
    expect(await store().resources('tn-gone')).toEqual([]);
    // Removing one without a tenant does nothing.
    expect(await removeSesTenant({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-none', now })).toEqual({
      done: [],
      failures: [],
    });
  });
});

describe("the guard's customer-managed status of a tenant", () => {
  it('DISABLED on a pause, REINSTATED on a lift, then the sending status SES reports (GetTenant)', async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = await provisioned('tn-guard', now);
    mock
      .on(GetTenantCommand)
      .resolvesOnce({ Tenant: { TenantName: 'tn-guard', TenantArn: arnOf('tn-guard'), SendingStatus: 'DISABLED' } })
      .resolves({ Tenant: { TenantName: 'tn-guard', TenantArn: arnOf('tn-guard'), SendingStatus: 'REINSTATED' } });
    const set = (enabled: boolean) =>
      setTenantSending({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-guard', enabled, now });

    expect(await set(false)).toEqual({
      done: true,
      note: 'tenant tn-guard: customer-managed status DISABLED at SES; its sending status is DISABLED',
    });
    expect(await store().get('tn-guard')).toMatchObject({ sendingStatus: 'DISABLED', customerStatusPending: null });
    expect((await set(true))?.note).toBe(
      'tenant tn-guard: customer-managed status REINSTATED at SES; its sending status is REINSTATED',
    );
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
    expect(mock.commandCalls(UpdateReputationEntityCustomerManagedStatusCommand).map((c) => c.args[0].input)).toEqual([
      { ReputationEntityType: 'RESOURCE', ReputationEntityReference: arnOf('tn-guard'), SendingStatus: 'DISABLED' },
      { ReputationEntityType: 'RESOURCE', ReputationEntityReference: arnOf('tn-guard'), SendingStatus: 'REINSTATED' },
    ]);
    expect(await store().get('tn-guard')).toMatchObject({ sendingStatus: 'REINSTATED', nextAttemptAt: null });
  });

  it('a lift made while the cron still sets the pause at SES is set again, whichever call lands last', async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = await pauseLeftToCron('tn-race', now);
    // The cron's DISABLED reaches SES only once released.
    const { promise: pause, release } = held();
    const atSes: string[] = [];
    mock.on(UpdateReputationEntityCustomerManagedStatusCommand).callsFake(async ({ SendingStatus }) => {
      if (SendingStatus === 'DISABLED' && !atSes.includes('DISABLED')) await pause;
      atSes.push(SendingStatus as string);
      return {};
    });
    const cron = retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now) });
    await expect.poll(() => mock.commandCalls(UpdateReputationEntityCustomerManagedStatusCommand).length).toBe(1);
    // The superadmin lifts meanwhile: REINSTATED reaches SES first, then the cron's DISABLED lands.
    expect(
      (await setTenantSending({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-race', enabled: true, now }))?.done,
    ).toBe(true);
    release();
    await cron;
    expect(atSes).toEqual(['REINSTATED', 'DISABLED']);
    expect(await store().get('tn-race')).toMatchObject({ customerStatusPending: 'REINSTATED', nextAttemptAt: now });
    // The next cron run sets the latest wish again, and then nothing is pending.
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now + 60_000) });
    expect(atSes).toEqual(['REINSTATED', 'DISABLED', 'REINSTATED']);
    expect(await store().get('tn-race')).toMatchObject({ customerStatusPending: null, nextAttemptAt: null });
  });

  it("a lift whose call ends after the cron's later-landing pause is recorded is set again too", async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = await provisioned('tn-race-2', now);
    await setTenantSending({ adminDb: env.ADMIN_DB, ses: null, organizationId: 'tn-race-2', enabled: false, now });
    // SES takes the lift's REINSTATED first, then the cron's DISABLED; the cron records its call
    // before the lift records its own (the lift's GetTenant is held until then).
    const { promise: pauseHeld, release: releasePause } = held();
    const { promise: liftHeld, release: releaseLift } = held();
    const atSes: string[] = [];
    mock.on(UpdateReputationEntityCustomerManagedStatusCommand).callsFake(async ({ SendingStatus }) => {
      if (SendingStatus === 'DISABLED' && !atSes.includes('DISABLED')) await pauseHeld;
      atSes.push(SendingStatus as string);
      return {};
    });
    mock.on(GetTenantCommand).callsFake(async () => {
      if (atSes.at(-1) === 'REINSTATED' && atSes.length === 1) await liftHeld;
      return { Tenant: { TenantArn: arnOf('tn-race-2'), SendingStatus: 'ENABLED' } };
    });
    const cron = retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now) });
    await expect.poll(() => mock.commandCalls(UpdateReputationEntityCustomerManagedStatusCommand).length).toBe(1);
    const lift = setTenantSending({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-race-2', enabled: true, now });
    await expect.poll(() => mock.commandCalls(GetTenantCommand).length).toBe(1);
    releasePause();
    await cron;
    releaseLift();
    await lift;
    expect(atSes).toEqual(['REINSTATED', 'DISABLED']);
    expect(await store().get('tn-race-2')).toMatchObject({ customerStatusPending: 'REINSTATED', nextAttemptAt: now });
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now + 60_000) });
    expect(atSes).toEqual(['REINSTATED', 'DISABLED', 'REINSTATED']);
    expect(await store().get('tn-race-2')).toMatchObject({ customerStatusPending: null });
  });

  it("a pause whose call fails after reaching SES, while a lift completed, is followed by the lift's status again", async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = await pauseLeftToCron('tn-race-3', now);
    // The cron's DISABLED is held while the lift completes, then lands at SES and times out.
    const { promise: pause, release } = held();
    const atSes: string[] = [];
    mock.on(UpdateReputationEntityCustomerManagedStatusCommand).callsFake(async ({ SendingStatus }) => {
      if (SendingStatus === 'DISABLED' && !atSes.includes('DISABLED')) {
        await pause;
        atSes.push('DISABLED');
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      }
      atSes.push(SendingStatus as string);
      return {};
    });
    const cron = retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now) });
    await expect.poll(() => mock.commandCalls(UpdateReputationEntityCustomerManagedStatusCommand).length).toBe(1);
    expect(
      (await setTenantSending({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-race-3', enabled: true, now }))?.done,
    ).toBe(true);
    expect(await store().get('tn-race-3')).toMatchObject({ customerStatusPending: null });
    release();
    expect((await cron).failures).toHaveLength(1);
    expect(atSes).toEqual(['REINSTATED', 'DISABLED']);
    expect(await store().get('tn-race-3')).toMatchObject({ customerStatusPending: 'REINSTATED', nextAttemptAt: now });
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now + 60_000) });
    expect(atSes).toEqual(['REINSTATED', 'DISABLED', 'REINSTATED']);
    expect(await store().get('tn-race-3')).toMatchObject({ customerStatusPending: null });
  });

  it('without credentials, or when SES fails, stays pending and the cron sets it', async () => {
    const now = testTime(0).getTime();
    const { ses, mock } = sesStub();
    mock.on(GetTenantCommand).resolves({ Tenant: { TenantArn: arnOf('tn-pend'), SendingStatus: 'DISABLED' } });
    await addOrganization('tn-pend');
    await provisionSesTenant({ adminDb: env.ADMIN_DB, ses, resources, organizationId: 'tn-pend', now: new Date(now) });
    const pending = await setTenantSending({
      adminDb: env.ADMIN_DB,
      ses: null,
      organizationId: 'tn-pend',
      enabled: false,
      now,
    });
    expect(pending).toEqual({
      done: false,
      note: 'tenant tn-pend: customer-managed status DISABLED at SES pending (no AWS credentials configured)',
    });
    expect(await store().get('tn-pend')).toMatchObject({ customerStatusPending: 'DISABLED', nextAttemptAt: now });
    const run = await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses, resources, now: new Date(now) });
    expect(run.done).toContain(
      'tenant tn-pend: customer-managed status DISABLED at SES; its sending status is DISABLED',
    );
    expect(await store().get('tn-pend')).toMatchObject({ customerStatusPending: null, sendingStatus: 'DISABLED' });
    // No tenant: null, the guard uses the configuration set.
    expect(
      await setTenantSending({ adminDb: env.ADMIN_DB, ses, organizationId: 'tn-none', enabled: false, now }),
    ).toBeNull();
  });
});
