import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_NOW } from '../../../../test/clock';
import { runScheduled } from '../../../../test/cron';
import { requestsTo, scriptHost } from '../../../../test/fake-http';
import { addUser, getPage, postForm, signInCookie } from '../../../../test/forms';
import { initechDatabase, ORGS, seedOrganizations } from '../../../../test/support';

// An organisation's suppression list through the built Worker: the operations API of
// `kuratchi-ses suppressions`, the page of the organisation's area, and the `suppression-sync`
// cron job against the real SESv2 client signing calls to a scripted fake host (REST-JSON paths
// of ListSuppressedDestinations and PutSuppressedDestination).
const TOKEN = 'suppressions-test-ops-token-0123456789';
const HOST = 'ses.suppressions.test';
const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
};

beforeAll(seedOrganizations);
afterEach(() => vi.restoreAllMocks());

async function ops(method: 'GET' | 'POST', path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const request = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const response = await worker.fetch!(request as never, { ...env, KURATCHI_OPS_TOKEN: TOKEN }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const listOf = async (organizationId: string, query = '') =>
  (
    await (
      await ops('GET', `/api/ops/suppressions?organizationId=${organizationId}${query}`)
    ).json<{
      suppressions: Array<{ emailAddress: string; reason: string; detail: string | null }>;
      next: string | null;
    }>()
  ).suppressions.map((s) => s.emailAddress);

describe('the suppression list in the operations API', () => {
  it('adds, searches, pages and removes; a request with one bad address writes nothing', async () => {
    const bad = await ops('POST', '/api/ops/suppressions', {
      organizationId: ORGS.initech,
      entries: [{ emailAddress: 'fine@ops.example' }, { emailAddress: 'not an address' }],
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'invalid-request',
      message: expect.stringContaining('entries.1.emailAddress'),
    });
    expect(await listOf(ORGS.initech, '&search=ops.example')).toEqual([]);

    const added = await ops('POST', '/api/ops/suppressions', {
      organizationId: ORGS.initech,
      entries: [
        { emailAddress: 'B@ops.example', detail: 'asked' },
        { emailAddress: 'a@ops.example' },
        { emailAddress: 'b@ops.example' },
      ],
    });
    expect(await added.json()).toEqual({ added: 2, existing: 1 });
    expect(await listOf(ORGS.initech, '&search=OPS.EXAMPLE')).toEqual(['a@ops.example', 'b@ops.example']);
    const page = await (
      await ops('GET', `/api/ops/suppressions?organizationId=${ORGS.initech}&search=ops.example&limit=1`)
    ).json();
    expect(page).toMatchObject({ next: 'a@ops.example', sync: { queued: 2 } });

    const removed = await ops('POST', '/api/ops/suppressions/remove', {
      organizationId: ORGS.initech,
      emailAddresses: ['a@ops.example', 'never@ops.example'],
    });
    expect(await removed.json()).toEqual({ removed: 1, absent: 1 });
    expect(await listOf(ORGS.initech, '&search=ops.example')).toEqual(['b@ops.example']);
    expect((await ops('GET', '/api/ops/suppressions?organizationId=org-nowhere')).status).toBe(404);
  });
});

describe('the suppression page of the organisation area', () => {
  it("lets the organisation's admin search, add and remove, showing the reason and the causing email", async () => {
    const email = `admin-${crypto.randomUUID()}@acme.example`;
    await addUser(email, 'a long enough password for the test', { organizationId: ORGS.acme });
    const cookie = await signInCookie(email, 'a long enough password for the test');
    await env.ORG_DB_ACME.prepare(
      `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at)
       VALUES ('bounced@page.example', 'bounce', 'General: smtp; 550', 'email-page-1', ?)`,
    )
      .bind(TEST_NOW.getTime())
      .run();
    const refused = await postForm('/emails/suppressions?/add', { emailAddress: 'nope' }, { cookie });
    expect(refused.status).toBe(400);
    expect(
      (
        await postForm(
          '/emails/suppressions?/add',
          { emailAddress: 'Hand@Page.example', detail: 'by phone' },
          { cookie },
        )
      ).status,
    ).toBe(200);
    const html = await (await getPage('/emails/suppressions?search=page.example', { cookie })).text();
    expect(html).toContain('bounced@page.example');
    expect(html).toContain('href="/emails/email-page-1"');
    expect(html).toContain('hand@page.example');
    expect(html).toContain('by phone');
    expect(
      (await postForm('/emails/suppressions?/remove', { emailAddress: 'hand@page.example' }, { cookie })).status,
    ).toBe(200);
    expect(await (await getPage('/emails/suppressions?search=page.example', { cookie })).text()).not.toContain(
      'hand@page.example',
    );
  });
});

describe('the suppression-sync cron job', () => {
  it('is off unless KURATCHI_SES_TENANTS=on', async () => {
    const run = await runScheduled(TEST_NOW, AWS);
    expect(run.job('suppression-sync')).toMatchObject({ outcome: 'ok', status: 'off' });
  });

  it("puts each organisation's new suppressions on its tenant's list and pulls SES's", async () => {
    const db = initechDatabase();
    await db.batch([db.prepare('DELETE FROM email_suppressions'), db.prepare('DELETE FROM ses_suppression_changes')]);
    await ops('POST', '/api/ops/suppressions', {
      organizationId: ORGS.initech,
      entries: [{ emailAddress: 'push@sync.example' }],
    });
    await scriptHost(HOST, [
      {
        method: 'GET',
        pathPrefix: `/v2/email/suppression/addresses`,
        json: {
          SuppressedDestinationSummaries: [
            { EmailAddress: 'Pulled@Sync.example', Reason: 'COMPLAINT', LastUpdateTime: TEST_NOW.getTime() / 1000 },
          ],
        },
      },
      { method: 'PUT', pathPrefix: '/v2/email/suppression/addresses', json: {} },
    ]);
    const run = await runScheduled(TEST_NOW, { ...AWS, KURATCHI_SES_TENANTS: 'on' });
    expect(run.job('suppression-sync')).toMatchObject({ outcome: 'ok', status: 'done', organizations: 3 });
    const requests = await requestsTo(HOST);
    const lists = requests
      .filter((r) => r.method === 'GET' && r.url.includes('/v2/email/suppression/addresses'))
      .map((r) => new URL(r.url).searchParams.get('TenantName'));
    expect(lists.sort()).toEqual([ORGS.acme, ORGS.globex, ORGS.initech]);
    const puts = requests.filter((r) => r.method === 'PUT').map((r) => JSON.parse(r.body));
    expect(puts).toContainEqual({ EmailAddress: 'push@sync.example', Reason: 'BOUNCE', TenantName: ORGS.initech });
    expect(await listOf(ORGS.initech, '&search=sync.example')).toEqual(['pulled@sync.example', 'push@sync.example']);
  });
});
