import {
  CreateTenantCommand,
  CreateTenantResourceAssociationCommand,
  GetTenantCommand,
  SESv2Client,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createOrgDatabaseClient } from '../organizations/org-databases.js';
import { createD1TenantStore } from '../tenants/d1-tenant-store.js';
import { provisionSesTenant, retrySesTenantWork } from '../tenants/provision.js';
import { createEmailSender } from './send-email.js';

const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };
const arnOf = (org: string) => `arn:aws:ses:eu-west-1:123456789012:tenant/${org}/t-1`;
const resources = { configurationSets: ['kuratchi-email-tracking'], identities: ['acme.example'] };

/** A client whose tenant calls succeed, for the tenants of this file. */
function tenantSes() {
  const ses = new SESv2Client({ region: 'eu-west-1', credentials });
  const mock = mockClient(ses);
  mock.on(CreateTenantCommand).callsFake(({ TenantName }: { TenantName: string }) => ({
    TenantArn: arnOf(TenantName),
    SendingStatus: 'ENABLED',
  }));
  mock.on(CreateTenantResourceAssociationCommand).resolves({});
  return { ses, mock };
}

function sender(ses: SESv2Client) {
  return createEmailSender({
    ses,
    adminDb: env.ADMIN_DB,
    orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env as unknown as Record<string, unknown>),
    from: 'no-reply@acme.example',
    now: () => TEST_NOW,
  });
}

const message = (organizationId: string, from?: string) => ({
  organizationId,
  to: 'someone@example.com',
  subject: 'Hello',
  text: 'Hi',
  ...(from ? { from } : {}),
});

beforeAll(async () => {
  await seedOrganizations();
  for (const organizationId of [ORGS.acme, ORGS.globex]) {
    const { ses } = tenantSes();
    await provisionSesTenant({ adminDb: env.ADMIN_DB, ses, resources, organizationId, now: TEST_NOW });
  }
});

describe("sendEmail with the organisation's SES tenant", () => {
  it('sends with TenantName when its configuration set and the sender identity are associated, else without', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    const mock = mockClient(ses).on(SendEmailCommand).resolves({ MessageId: 'tenant-msg-1' });
    expect(await sender(ses).sendEmail(message(ORGS.acme))).toMatchObject({ success: true });
    // The identity is not the tenant's: SES would refuse the send with TenantName.
    expect(await sender(ses).sendEmail(message(ORGS.acme, 'x@elsewhere.example'))).toMatchObject({ success: true });
    // An organisation without a tenant.
    expect(await sender(ses).sendEmail(message(ORGS.initech))).toMatchObject({ success: true });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
    expect(mock.commandCalls(SendEmailCommand).map((c) => c.args[0].input.TenantName)).toEqual([
      ORGS.acme,
      undefined,
      undefined,
    ]);
  });

  it('maps SES refusing the tenant as paused to tenantDisabled, then refuses without calling SES until SES says otherwise', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1', credentials });
    const mock = mockClient(ses);
    mock
      .on(SendEmailCommand)
      .rejectsOnce(Object.assign(new Error('Sending paused for this tenant'), { name: 'SendingPausedException' }))
      .resolves({ MessageId: 'tenant-msg-2' });
    const refused = await sender(ses).sendEmail(message(ORGS.globex));
    expect(refused).toMatchObject({ success: false, tenantDisabled: { atSes: true, tenantName: ORGS.globex } });
    expect(refused.error).toMatch(
      /^not sent: sending for organisation org-globex is disabled at SES \(its tenant org-globex is DISABLED: SES refused the message\)/,
    );
    const row = await env.ORG_DB_GLOBEX.prepare('SELECT status, error FROM emails WHERE id = ?')
      .bind(refused.emailId!)
      .first<{ status: string; error: string }>();
    expect(row).toEqual({ status: 'failed', error: refused.error });

    // Recorded: the next send is refused before SES, nothing written.
    const count = async () =>
      (await env.ORG_DB_GLOBEX.prepare('SELECT count(*) AS n FROM emails').first<{ n: number }>())!.n;
    const before = await count();
    const again = await sender(ses).sendEmail(message(ORGS.globex));
    expect(again).toMatchObject({ success: false, tenantDisabled: { atSes: false } });
    expect(await count()).toBe(before);
    expect(mock.commandCalls(SendEmailCommand)).toHaveLength(1);

    // The cron reads the tenant again: SES says ENABLED (it was the account, or SES lifted it).
    const { ses: cronSes, mock: cronMock } = tenantSes();
    cronMock.on(GetTenantCommand).resolves({ Tenant: { TenantArn: arnOf(ORGS.globex), SendingStatus: 'ENABLED' } });
    await retrySesTenantWork({ adminDb: env.ADMIN_DB, ses: cronSes, resources, now: TEST_NOW });
    expect(cronMock.commandCalls(GetTenantCommand).map((c) => c.args[0].input)).toEqual([{ TenantName: ORGS.globex }]);
    expect(await createD1TenantStore(env.ADMIN_DB).get(ORGS.globex)).toMatchObject({ sendingStatus: 'ENABLED' });
    expect(await sender(ses).sendEmail(message(ORGS.globex))).toMatchObject({ success: true, id: 'tenant-msg-2' });
  });
});
