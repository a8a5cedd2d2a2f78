import {
  CreateTenantCommand,
  GetTenantCommand,
  PutConfigurationSetSendingOptionsCommand,
  UpdateReputationEntityCustomerManagedStatusCommand,
} from '@aws-sdk/client-sesv2';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { addOrganizations } from '../../../../test/seed.js';
import { stubbedSes } from '../../../../test/ses-stub.js';
import { createD1TenantStore } from '../tenants/d1-tenant-store.js';
import { provisionSesTenant } from '../tenants/provision.js';
import { createD1ReputationGuardStore } from './d1-guard-store.js';
import { evaluateReputationGuard } from './evaluate.js';
import { insertComplainedDay } from './fixtures/recipients.js';
import { liftSendingPause } from './lift.js';
import { parseReputationGuardSettings } from './settings.js';

const DAY = 86_400_000;
const ORG = 'guard-tenant-org';
const TENANT_ARN = `arn:aws:ses:eu-west-1:123456789012:tenant/${ORG}/t-9`;
const settings = parseReputationGuardSettings({ minRecipients: 20, minEvidence: { bounce: 1, complaint: 1 } });

beforeAll(async () => {
  await addOrganizations([{ id: ORG, name: 'T', binding: 'ORG_DB_ACME' }]);
  // Its own configuration set too: the tenant replaces the configuration set's pause.
  await createD1ReputationGuardStore(env.ADMIN_DB).setConfigurationSet(ORG, 'guard-tenant-set');
  const { ses, mock } = stubbedSes();
  mock.on(CreateTenantCommand).resolves({ TenantArn: TENANT_ARN, SendingStatus: 'ENABLED' });
  await provisionSesTenant({
    adminDb: env.ADMIN_DB,
    ses,
    resources: { configurationSets: [], identities: [] },
    organizationId: ORG,
    now: testTime(0),
  });
});

describe('the guard on an organisation with an SES tenant', () => {
  it("pauses by setting the tenant's customer-managed status DISABLED, lifts with REINSTATED, and leaves the configuration set alone", async () => {
    const now = testTime(2000 * DAY);
    const { ses, mock } = stubbedSes();
    mock.on(UpdateReputationEntityCustomerManagedStatusCommand).resolves({});
    mock
      .on(GetTenantCommand)
      .resolvesOnce({ Tenant: { TenantArn: TENANT_ARN, SendingStatus: 'DISABLED' } })
      .resolves({ Tenant: { TenantArn: TENANT_ARN, SendingStatus: 'REINSTATED' } });
    await insertComplainedDay(env.ORG_DB_ACME, now);

    const paused = await evaluateReputationGuard({
      adminDb: env.ADMIN_DB,
      orgDb: env.ORG_DB_ACME,
      organizationId: ORG,
      now,
      settings,
      ses,
    });
    expect(paused).toMatchObject({
      state: 'paused',
      configurationSet: `tenant ${ORG}: customer-managed status DISABLED at SES; its sending status is DISABLED`,
    });
    expect(await createD1TenantStore(env.ADMIN_DB).get(ORG)).toMatchObject({ sendingStatus: 'DISABLED' });

    await liftSendingPause({
      adminDb: env.ADMIN_DB,
      organizationId: ORG,
      actor: 'root@x.test',
      reason: 'cleaned',
      now,
      ses,
    });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
    expect(mock.commandCalls(UpdateReputationEntityCustomerManagedStatusCommand).map((c) => c.args[0].input)).toEqual([
      { ReputationEntityType: 'RESOURCE', ReputationEntityReference: TENANT_ARN, SendingStatus: 'DISABLED' },
      { ReputationEntityType: 'RESOURCE', ReputationEntityReference: TENANT_ARN, SendingStatus: 'REINSTATED' },
    ]);
    expect(mock.commandCalls(PutConfigurationSetSendingOptionsCommand)).toHaveLength(0);
    const [lift] = await createD1ReputationGuardStore(env.ADMIN_DB).listAudit({ organizationId: ORG });
    expect(lift).toMatchObject({
      action: 'lift',
      configurationSet: `tenant ${ORG}: customer-managed status REINSTATED at SES; its sending status is REINSTATED`,
    });
    expect(await createD1ReputationGuardStore(env.ADMIN_DB).getState(ORG)).toMatchObject({
      state: 'ok',
      configurationSetSending: null,
    });
    expect(await createD1TenantStore(env.ADMIN_DB).get(ORG)).toMatchObject({ sendingStatus: 'REINSTATED' });
  });
});
