import {
  CreateTenantCommand,
  GetReputationEntityCommand,
  ListRecommendationsCommand,
  ListReputationEntitiesCommand,
  SESv2Client,
  type ReputationEntity,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testTime } from '../../../../test/clock.js';
import { provisionSesTenant } from '../tenants/provision.js';
import { tenantForSending } from '../tenants/sending.js';
import { createD1SesViewStore } from './d1-ses-view-store.js';
import { organizationIdOfEntity } from './ses-view.js';
import { refreshSesViews, sweepSesViews } from './ses-view-refresh.js';
import { handleTenantStatusEvent, TENANT_STATUS_SECRET_HEADER } from './tenant-status-event.js';

/**
 * SES's view of each organisation's tenant: the sweep (ListReputationEntities), the re-read a
 * status event prompts (GetReputationEntity, ListRecommendations) and the endpoint's answers, on
 * the real admin database with the real SESv2 client stubbed at the client. Request shapes:
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetReputationEntity.html,
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListReputationEntities.html,
 * https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListRecommendations.html
 */
const credentials = { accessKeyId: 'AKIDKURATCHITEST', secretAccessKey: 'kuratchi-test-secret' };
const ORG_A = 'sesview-a';
const ORG_B = 'sesview-b';
const arn = (name: string) => `arn:aws:ses:eu-west-1:123456789012:tenant/${name}/tn-${name}`;
const SECRET = 'eventbridge-secret-0123456789abcdef';
const now = testTime(0);
const store = () => createD1SesViewStore(env.ADMIN_DB);

const entity = (name: string, over: Partial<ReputationEntity> = {}): ReputationEntity => ({
  ReputationEntityReference: arn(name),
  ReputationEntityType: 'RESOURCE',
  ReputationManagementPolicy: 'arn:aws:ses:eu-west-1:aws:reputation-policy/standard',
  SendingStatusAggregate: 'ENABLED',
  AwsSesManagedStatus: { Status: 'ENABLED' },
  CustomerManagedStatus: { Status: 'ENABLED' },
  ...over,
});

let ses: SESv2Client;
let mock: ReturnType<typeof mockClient>;

beforeAll(async () => {
  await env.ADMIN_DB.batch(
    [ORG_A, ORG_B].map((id) =>
      env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES (?, ?, 'ORG_DO', 'durable-object', 0) ON CONFLICT (id) DO NOTHING`,
      ).bind(id, id),
    ),
  );
});

beforeEach(async () => {
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare('DELETE FROM ses_reputation_views'),
    env.ADMIN_DB.prepare('DELETE FROM ses_reputation_sweeps'),
  ]);
  ses = new SESv2Client({ region: 'eu-west-1', credentials });
  mock = mockClient(ses);
});

function post(body: string, secret: string | null = SECRET) {
  return new Request('https://dash.example/api/eventbridge/ses-status', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === null ? {} : { [TENANT_STATUS_SECRET_HEADER]: secret }),
    },
    body,
  });
}
const statusEvent = (resources: unknown, detailType = 'Sending Status Disabled') =>
  JSON.stringify({
    version: '0',
    id: 'c5a3f5ee-0000-4000-8000-000000000001',
    'detail-type': detailType,
    source: 'aws.ses',
    account: '123456789012',
    time: now.toISOString(),
    region: 'eu-west-1',
    resources,
    // Whatever the event says of the status is never stored: SES is asked.
    detail: { data: { record: { status: 'ENABLED' } } },
  });
const handle = (request: Request, options: { secret?: string } = { secret: SECRET }) =>
  handleTenantStatusEvent(request, { adminDb: env.ADMIN_DB, ses, secret: options.secret, now });

describe('which organisation a reputation entity stands for', () => {
  it("reads the tenant name of a tenant's ARN, with or without its id; nothing else", () => {
    expect(organizationIdOfEntity(arn('acme'))).toBe('acme');
    expect(organizationIdOfEntity('arn:aws:ses:eu-west-1:123456789012:tenant/acme')).toBe('acme');
    expect(organizationIdOfEntity('arn:aws:ses:eu-west-1:123456789012:identity/acme.example')).toBeNull();
    expect(organizationIdOfEntity('arn:aws:ses:eu-west-1:123456789012:configuration-set/acme')).toBeNull();
    expect(organizationIdOfEntity('not an arn')).toBeNull();
  });
});

describe('the sweep (ListReputationEntities)', () => {
  it('pages through every entity, stores the tenants of known organisations with their open findings, and drops the rest', async () => {
    await store().save({
      organizationId: ORG_B,
      entityArn: arn(ORG_B),
      policy: null,
      sendingStatus: 'DISABLED',
      awsSesManaged: { status: 'DISABLED', cause: null, updatedAt: null },
      customerManaged: { status: 'ENABLED', cause: null, updatedAt: null },
      impact: null,
      findings: [],
      readAt: now.getTime() - 86_400_000,
    });
    const disabledAt = new Date(now.getTime() - 3_600_000);
    mock
      .on(ListReputationEntitiesCommand, { NextToken: undefined })
      .resolves({
        ReputationEntities: [
          entity(ORG_A, {
            SendingStatusAggregate: 'DISABLED',
            AwsSesManagedStatus: { Status: 'DISABLED', Cause: 'complaint rate', LastUpdatedTimestamp: disabledAt },
            ReputationImpact: 'HIGH',
          }),
          { ReputationEntityReference: 'arn:aws:ses:eu-west-1:123456789012:identity/a.example' },
        ],
        NextToken: 'page-2',
      })
      .on(ListReputationEntitiesCommand, { NextToken: 'page-2' })
      .resolves({ ReputationEntities: [entity('not-an-organisation')] });
    mock.on(ListRecommendationsCommand).resolves({
      Recommendations: [
        { ResourceArn: arn(ORG_A), Type: 'COMPLAINT', Impact: 'HIGH', Status: 'OPEN', Description: 'complaints rose' },
        { ResourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/a.example', Type: 'DKIM', Status: 'OPEN' },
      ],
    });

    const views = await sweepSesViews({ adminDb: env.ADMIN_DB, ses, now });

    expect(views.map((v) => v.organizationId)).toEqual([ORG_A]);
    expect(mock.commandCalls(ListReputationEntitiesCommand).map((c) => c.args[0].input)).toEqual([
      { PageSize: 100, NextToken: undefined },
      { PageSize: 100, NextToken: 'page-2' },
    ]);
    // One call for every open finding: RESOURCE_ARN cannot be combined with STATUS.
    expect(mock.commandCalls(ListRecommendationsCommand).map((c) => c.args[0].input)).toEqual([
      { Filter: { STATUS: 'OPEN' }, PageSize: 100, NextToken: undefined },
    ]);
    expect(await store().list()).toEqual([
      {
        organizationId: ORG_A,
        entityArn: arn(ORG_A),
        policy: 'arn:aws:ses:eu-west-1:aws:reputation-policy/standard',
        sendingStatus: 'DISABLED',
        awsSesManaged: { status: 'DISABLED', cause: 'complaint rate', updatedAt: disabledAt.getTime() },
        customerManaged: { status: 'ENABLED', cause: null, updatedAt: null },
        impact: 'HIGH',
        findings: [
          { type: 'COMPLAINT', impact: 'HIGH', description: 'complaints rose', createdAt: null, updatedAt: null },
        ],
        readAt: now.getTime(),
        rereadDueAt: null,
        rereadError: null,
      },
    ]);
    expect(await store().lastSweep()).toEqual({ sweptAt: now.getTime(), entities: 1, dueSince: null, error: null });
  });

  it('runs from the cron once a day, and again at the next run after a failure', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    mock
      .on(ListReputationEntitiesCommand)
      .rejectsOnce(throttled)
      .resolves({ ReputationEntities: [entity(ORG_A)] });
    const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    await expect(refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: at(0) })).rejects.toThrow(/Rate exceeded/);
    expect(await store().lastSweep()).toEqual({
      sweptAt: 0,
      entities: 0,
      dueSince: now.getTime(),
      error: 'TooManyRequestsException: Rate exceeded',
    });
    expect(await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: at(10) })).toMatchObject({ swept: 1 });
    expect(await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: at(20) })).toMatchObject({ swept: null });
    expect(await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: at(10 + 24 * 60) })).toMatchObject({ swept: 1 });
    expect(mock.commandCalls(ListReputationEntitiesCommand)).toHaveLength(3);
    // No entity reported an impact: no findings to read.
    expect(mock.commandCalls(ListRecommendationsCommand)).toHaveLength(0);
  });
});

describe("SES's sending status reaches sendEmail", () => {
  it('a sweep saying SES disabled the tenant makes sendEmail refuse; one saying it is enabled again lets it send', async () => {
    const tenantSes = new SESv2Client({ region: 'eu-west-1', credentials });
    mockClient(tenantSes)
      .on(CreateTenantCommand)
      .resolves({ TenantArn: arn(ORG_B), SendingStatus: 'ENABLED' });
    await provisionSesTenant({
      adminDb: env.ADMIN_DB,
      ses: tenantSes,
      resources: { configurationSets: [], identities: [] },
      organizationId: ORG_B,
      now,
    });
    expect((await tenantForSending(env.ADMIN_DB, ORG_B))?.disabled).toBe(false);
    const disabledByAws = {
      AwsSesManagedStatus: { Status: 'DISABLED' as const },
      SendingStatusAggregate: 'DISABLED' as const,
    };
    mock
      .on(ListReputationEntitiesCommand)
      .resolvesOnce({ ReputationEntities: [entity(ORG_B, disabledByAws)] })
      .resolvesOnce({ ReputationEntities: [entity(ORG_B)] });
    await sweepSesViews({ adminDb: env.ADMIN_DB, ses, now });
    expect((await tenantForSending(env.ADMIN_DB, ORG_B))?.disabled).toBe(true);
    await sweepSesViews({ adminDb: env.ADMIN_DB, ses, now: new Date(now.getTime() + 60_000) });
    expect((await tenantForSending(env.ADMIN_DB, ORG_B))?.disabled).toBe(false);
  });
});

describe('the status events endpoint', () => {
  it('refuses a missing or wrong secret, and every request when no secret is configured (401), before reading anything', async () => {
    for (const [secret, configured] of [
      [null, SECRET],
      ['wrong', SECRET],
      [`${SECRET}x`, SECRET],
      [SECRET, undefined],
    ] as const) {
      const response = await handle(post(statusEvent([arn(ORG_A)]), secret), { secret: configured });
      expect(response.status).toBe(401);
    }
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 400 to what is not an event, 200 to an event of another type, and writes nothing', async () => {
    for (const body of ['not json', '[]', JSON.stringify({ source: 'aws.ses' }), statusEvent('arn')]) {
      expect((await handle(post(body))).status).toBe(400);
    }
    expect((await handle(post('x'.repeat(256 * 1024 + 1)))).status).toBe(400);
    const other = await handle(post(statusEvent([arn(ORG_A)], 'Email Bounced')));
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({ outcome: 'ignored' });
    expect(mock.calls()).toHaveLength(0);
    expect(await store().list()).toEqual([]);
  });

  it("re-reads the tenant the event names from SES and stores SES's answer, not the event's", async () => {
    mock.on(GetReputationEntityCommand).resolves({
      ReputationEntity: entity(ORG_A, {
        SendingStatusAggregate: 'DISABLED',
        CustomerManagedStatus: { Status: 'DISABLED', Cause: 'paused by kuratchi' },
      }),
    });
    const response = await handle(post(statusEvent([arn(ORG_A)])));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'reread', read: [ORG_A], removed: [], failed: [], ignored: [] });
    expect(mock.commandCalls(GetReputationEntityCommand).map((c) => c.args[0].input)).toEqual([
      { ReputationEntityReference: arn(ORG_A), ReputationEntityType: 'RESOURCE' },
    ]);
    expect(await store().get(ORG_A)).toMatchObject({
      sendingStatus: 'DISABLED',
      customerManaged: { status: 'DISABLED', cause: 'paused by kuratchi' },
      readAt: now.getTime(),
    });
  });

  it("reads a tenant's findings by its ARN alone, keeping the open ones", async () => {
    mock.on(GetReputationEntityCommand).resolves({ ReputationEntity: entity(ORG_A, { ReputationImpact: 'LOW' }) });
    mock.on(ListRecommendationsCommand).resolves({
      Recommendations: [
        { ResourceArn: arn(ORG_A), Type: 'BOUNCE', Impact: 'LOW', Status: 'OPEN', Description: 'bounces rose' },
        { ResourceArn: arn(ORG_A), Type: 'SPF', Impact: 'HIGH', Status: 'FIXED' },
      ],
    });
    expect((await handle(post(statusEvent([arn(ORG_A)])))).status).toBe(200);
    expect(mock.commandCalls(ListRecommendationsCommand).map((c) => c.args[0].input)).toEqual([
      { Filter: { RESOURCE_ARN: arn(ORG_A) }, PageSize: 100, NextToken: undefined },
    ]);
    expect((await store().get(ORG_A))!.findings).toMatchObject([{ type: 'BOUNCE', description: 'bounces rose' }]);
  });

  it('forgets a tenant SES no longer has (NotFound)', async () => {
    await store().owe(ORG_B, arn(ORG_B), now.getTime(), 'earlier failure');
    mock
      .on(GetReputationEntityCommand)
      .rejects(Object.assign(new Error('no such entity'), { name: 'NotFoundException' }));
    const response = await handle(post(statusEvent([arn(ORG_B)], 'Sending Status Enabled')));
    expect(await response.json()).toMatchObject({ outcome: 'reread', removed: [ORG_B] });
    expect(await store().get(ORG_B)).toBeNull();
  });

  it('answers 503 when the re-read fails and records it, and the cron retries it until SES answers', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    mock
      .on(GetReputationEntityCommand)
      .rejectsOnce(throttled)
      .resolves({ ReputationEntity: entity(ORG_A) });
    mock.on(ListReputationEntitiesCommand).resolves({ ReputationEntities: [entity(ORG_A)] });
    const response = await handle(post(statusEvent([arn(ORG_A)])));
    expect(response.status).toBe(503);
    expect(await store().get(ORG_A)).toMatchObject({
      readAt: null,
      rereadDueAt: now.getTime(),
      rereadError: 'TooManyRequestsException: Rate exceeded',
    });
    const later = new Date(now.getTime() + 600_000);
    const run = await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: later });
    expect(run.rereads).toMatchObject({ read: [ORG_A], failed: [] });
    expect(await store().get(ORG_A)).toMatchObject({
      sendingStatus: 'ENABLED',
      readAt: later.getTime(),
      rereadDueAt: null,
    });
  });

  it('owes the cron a sweep of every tenant when none of the resources names a known organisation, within the day', async () => {
    mock.on(ListReputationEntitiesCommand).resolves({ ReputationEntities: [entity(ORG_B)] });
    await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now });
    const unknown = 'arn:aws:ses:eu-west-1:123456789012:tenant-unknown-form';
    const response = await handle(post(statusEvent([unknown])));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ outcome: 'sweep-owed', ignored: [unknown] });
    expect(mock.commandCalls(GetReputationEntityCommand)).toHaveLength(0);
    expect(await store().lastSweep()).toMatchObject({ dueSince: now.getTime() });
    // Ten minutes later, well within the day: the cron sweeps again because it is owed.
    const later = new Date(now.getTime() + 600_000);
    expect(await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now: later })).toMatchObject({ swept: 1 });
    expect(mock.commandCalls(ListReputationEntitiesCommand)).toHaveLength(2);
    expect(await store().lastSweep()).toMatchObject({ sweptAt: later.getTime(), dueSince: null });
  });

  it('answers 503 without AWS credentials (nothing to read SES with)', async () => {
    const response = await handleTenantStatusEvent(post(statusEvent([arn(ORG_A)])), {
      adminDb: env.ADMIN_DB,
      ses: null,
      secret: SECRET,
      now,
    });
    expect(response.status).toBe(503);
  });
});
