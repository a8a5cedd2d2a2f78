import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../../test/clock';
import { runScheduled } from '../../../../../test/cron';
import { requestsTo, scriptHost } from '../../../../../test/fake-http';
import { ORGS, seedOrganizations } from '../../../../../test/support';

/**
 * The SES status events endpoint and the `ses-view` cron job on the built Worker (workerd, local
 * D1), its real SESv2 client signing calls to a scripted host that answers SESv2 REST-JSON:
 * GET /v2/email/reputation/entities/{type}/{reference} (GetReputationEntity) and POST
 * /v2/email/reputation/entities (ListReputationEntities).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetReputationEntity.html
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListReputationEntities.html
 */
const HOST = 'ses.ses-status.test';
const KEY = 'eventbridge-key-for-tests-0123456789abcdef';
const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
  KURATCHI_SES_STATUS_KEY: KEY,
  KURATCHI_SES_TENANTS: 'on',
};
const tenantArn = (org: string) => `arn:aws:ses:eu-west-1:123456789012:tenant/${org}/tn-${org}`;
const entity = (org: string, status: 'ENABLED' | 'DISABLED') => ({
  ReputationEntityReference: tenantArn(org),
  ReputationEntityType: 'RESOURCE',
  SendingStatusAggregate: status,
  AwsSesManagedStatus: { Status: status, Cause: status === 'DISABLED' ? 'complaint rate' : undefined },
  CustomerManagedStatus: { Status: 'ENABLED' },
});

beforeAll(seedOrganizations);

async function postEvent(body: string, headers: Record<string, string> = { 'x-kuratchi-eventbridge-key': KEY }) {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request('http://127.0.0.1/api/eventbridge/ses-status', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
    }) as never,
    { ...env, ...AWS },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}
/** What the host received on SESv2's reputation paths (the other jobs of the cron ask it too). */
const reputationRequests = async () =>
  (await requestsTo(HOST)).filter((r) => new URL(r.url).pathname.startsWith('/v2/email/reputation/'));
const view = (org: string) =>
  env.ADMIN_DB.prepare(
    'SELECT sending_status, aws_ses_cause, read_at FROM ses_reputation_views WHERE organization_id = ?',
  )
    .bind(org)
    .first();

describe('POST /api/eventbridge/ses-status', () => {
  it('needs no session but its own key: 401 without it, and nothing read', async () => {
    await scriptHost(HOST, []);
    const response = await postEvent('{}', {});
    expect(response.status).toBe(401);
    expect(await requestsTo(HOST)).toEqual([]);
  });

  it("re-reads the tenant from SES, signed, and stores SES's answer", async () => {
    await scriptHost(HOST, [
      {
        method: 'GET',
        pathPrefix: '/v2/email/reputation/entities/RESOURCE/',
        json: { ReputationEntity: entity(ORGS.acme, 'DISABLED') },
      },
    ]);
    const response = await postEvent(
      JSON.stringify({
        version: '0',
        id: 'e1',
        'detail-type': 'Sending Status Disabled',
        source: 'aws.ses',
        resources: [tenantArn(ORGS.acme)],
        detail: {},
      }),
    );
    expect(response.status).toBe(200);
    const [request] = await requestsTo(HOST);
    expect(new URL(request!.url).pathname).toBe(
      `/v2/email/reputation/entities/RESOURCE/${encodeURIComponent(tenantArn(ORGS.acme))}`,
    );
    expect(request!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\//);
    expect(await view(ORGS.acme)).toMatchObject({ sending_status: 'DISABLED', aws_ses_cause: 'complaint rate' });
  });
});

describe('the ses-view scheduled job', () => {
  it('sweeps ListReputationEntities page by page once a day, and is off without KURATCHI_SES_TENANTS=on', async () => {
    const now = TEST_NOW.getTime();
    await env.ADMIN_DB.prepare('DELETE FROM ses_reputation_sweeps').run();
    await scriptHost(HOST, [
      {
        method: 'POST',
        pathPrefix: '/v2/email/reputation/entities',
        json: { ReputationEntities: [entity(ORGS.acme, 'ENABLED')], NextToken: 'p2' },
        times: 1,
      },
      {
        method: 'POST',
        pathPrefix: '/v2/email/reputation/entities',
        json: { ReputationEntities: [entity(ORGS.globex, 'DISABLED')] },
        times: 1,
      },
    ]);
    expect((await runScheduled(now, { ...AWS, KURATCHI_SES_TENANTS: 'off' })).job('ses-view')).toMatchObject({
      status: 'off',
    });
    expect(await reputationRequests()).toEqual([]);
    expect((await runScheduled(now, AWS)).job('ses-view')).toMatchObject({ status: 'done', swept: 2 });
    const bodies = (await reputationRequests()).map((r) => JSON.parse(r.body));
    expect(bodies).toEqual([{ PageSize: 100 }, { PageSize: 100, NextToken: 'p2' }]);
    expect(await view(ORGS.acme)).toMatchObject({ sending_status: 'ENABLED', read_at: now });
    expect(await view(ORGS.globex)).toMatchObject({ sending_status: 'DISABLED' });
    // Within the day: no second sweep.
    expect((await runScheduled(now + 600_000, AWS)).job('ses-view')).toMatchObject({ swept: null });
    expect(await reputationRequests()).toHaveLength(2);
  });
});
