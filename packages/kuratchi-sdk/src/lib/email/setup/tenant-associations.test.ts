import {
  CreateTenantResourceAssociationCommand,
  ListResourceTenantsCommand,
  ListTenantsCommand,
} from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import {
  completeAccount,
  CONFIGURATION_SET_ARN,
  mockedAws,
  mutatingCalls,
  REGION,
  WEBHOOK_URL,
} from './fixtures/mocked-aws.js';
import { setupSESEventTracking } from './setup-ses-event-tracking.js';
import { getSESEventTrackingStatus } from './status.js';

/** An account with tenants a, b and c (two pages of ListTenants); the configuration set is a's. */
function withTenants() {
  const aws = completeAccount(mockedAws());
  aws.sesv2
    .on(ListTenantsCommand)
    .callsFake((input: { NextToken?: string }) =>
      input.NextToken === 'page-2'
        ? { Tenants: [{ TenantName: 'org-c' }] }
        : { Tenants: [{ TenantName: 'org-a' }, { TenantName: 'org-b' }], NextToken: 'page-2' },
    );
  aws.sesv2
    .on(ListResourceTenantsCommand)
    .resolves({ ResourceTenants: [{ TenantName: 'org-a', ResourceArn: CONFIGURATION_SET_ARN }] });
  aws.sesv2.on(CreateTenantResourceAssociationCommand).resolves({});
  return aws;
}

describe("the configuration set's SES tenant associations", () => {
  it('setup --tenants associates the configuration set with every tenant that lacks it (request shapes of the API reference)', async () => {
    const aws = withTenants();
    const report = await setupSESEventTracking({
      region: REGION,
      webhookUrl: WEBHOOK_URL,
      tenants: true,
      clients: aws.clients,
    });
    expect(report.ok).toBe(true);
    expect(report.steps.find((s) => s.step === 'tenant-associations')).toEqual({
      step: 'tenant-associations',
      status: 'created',
      detail: 'associated with all 3 SES tenant(s) (2 new: org-b, org-c)',
    });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListResourceTenants.html
    expect(aws.sesv2.commandCalls(ListResourceTenantsCommand).map((c) => c.args[0].input)).toEqual([
      { ResourceArn: CONFIGURATION_SET_ARN, PageSize: 100 },
    ]);
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateTenantResourceAssociation.html
    expect(aws.sesv2.commandCalls(CreateTenantResourceAssociationCommand).map((c) => c.args[0].input)).toEqual([
      { TenantName: 'org-b', ResourceArn: CONFIGURATION_SET_ARN },
      { TenantName: 'org-c', ResourceArn: CONFIGURATION_SET_ARN },
    ]);
    expect(mutatingCalls(aws)).toEqual([
      'CreateTenantResourceAssociationCommand',
      'CreateTenantResourceAssociationCommand',
    ]);
    // Without the option, no tenant call.
    const plain = withTenants();
    await setupSESEventTracking({ region: REGION, webhookUrl: WEBHOOK_URL, clients: plain.clients });
    expect(plain.sesv2.commandCalls(ListTenantsCommand)).toHaveLength(0);
  });

  it('status --tenants reports the tenants without it as a problem; all associated is ready', async () => {
    const aws = withTenants();
    const status = await getSESEventTrackingStatus({
      region: REGION,
      webhookUrl: WEBHOOK_URL,
      tenants: true,
      clients: aws.clients,
    });
    expect(status.tenantAssociations).toEqual({ tenants: 3, associated: 1, missing: ['org-b', 'org-c'] });
    expect(status.ready).toBe(false);
    expect(status.problems).toEqual([
      'the configuration set is not associated with the SES tenant(s) org-b, org-c: SES refuses their sends through it; run `kuratchi-ses setup --tenants`',
    ]);
    aws.sesv2.on(ListResourceTenantsCommand).resolves({
      ResourceTenants: ['org-a', 'org-b', 'org-c'].map((TenantName) => ({ TenantName })),
    });
    const ready = await getSESEventTrackingStatus({
      region: REGION,
      webhookUrl: WEBHOOK_URL,
      tenants: true,
      clients: aws.clients,
    });
    expect([ready.ready, ready.tenantAssociations]).toEqual([true, { tenants: 3, associated: 3, missing: [] }]);
    expect(mutatingCalls(aws)).toEqual([]);
  });
});
