import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { describe, expect, it } from 'vitest';
import { requestsTo, scriptHost } from '../../../../../test/fake-http';
import { getPage, postForm, signInCookie } from '../../../../../test/forms';
import { releaseD1Binding, seedOrganizations } from '../../../../../test/support';

// The operations API's users (`kuratchi-ses user`, `org create --admin-email`) on the built
// Worker: the bootstrap of a deployment that has no user and no organisation yet, invitations
// mailed through sendEmail when mail is configured (the Worker's own SESv2 client, answered by a
// scripted fake host), and every refusal with its status.
const TOKEN = 'users-route-test-ops-token-0123456789';
const HOST = 'ses.users-route.test';
const MAIL = {
  KURATCHI_MAIL_FROM: 'kuratchi@dash.example',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
};
const PASSWORD = 'the very first superadmin password';

async function ops(method: 'GET' | 'POST', path: string, body?: unknown, overrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const request = new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const response = await worker.fetch!(request as never, { ...env, KURATCHI_OPS_TOKEN: TOKEN, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const pathOf = (url: string) => url.replace('http://127.0.0.1', '');
const count = async (sql: string) =>
  (await env.ADMIN_DB.prepare(`SELECT count(*) AS n FROM ${sql}`).first<{ n: number }>())!.n;

describe('bootstrapping a deployment with no user and no organisation', () => {
  it('creates the first superadmin, who signs in and is led to create the first organisation', async () => {
    expect(await count('organizations')).toBe(0); // this file's own, empty admin database
    const email = `first-root-${crypto.randomUUID()}@example.com`;
    const created = await ops('POST', '/api/ops/users', { email, role: 'superadmin' });
    expect(created.status).toBe(201);
    const answer = await created.json<{
      user: { role: string; organizationId: null };
      link: { url: string };
      mail: object;
    }>();
    expect(answer.user).toMatchObject({ email, role: 'superadmin', organizationId: null, status: 'invited' });
    expect(answer.mail).toEqual({ sent: false, reason: 'mail is off (KURATCHI_MAIL_FROM is not set)' });
    expect(answer.link.url).toMatch(/^http:\/\/127\.0\.0\.1\/auth\/set-password\?token=/);

    expect((await postForm(pathOf(answer.link.url), { password: PASSWORD, confirm: PASSWORD })).status).toBe(303);
    const cookie = await signInCookie(email, PASSWORD);
    for (const page of ['/emails', '/emails/overview']) {
      const refused = await getPage(page, { cookie });
      expect([page, refused.status, refused.headers.get('location')]).toEqual([page, 303, '/admin/organizations']);
    }
    // A navigation in the browser asks for the page's data: it is told to go there too.
    const data = await getPage('/emails/__data.json?x-sveltekit-invalidated=01', { cookie });
    expect(await data.json()).toEqual({ type: 'redirect', location: '/admin/organizations' });
    const organizations = await getPage('/admin/organizations', { cookie });
    expect(organizations.status).toBe(200);
    expect(await organizations.text()).toContain('New organisation');
    expect((await getPage('/admin/users', { cookie })).status).toBe(200);
    expect((await getPage('/account', { cookie })).status).toBe(200);

    // The first organisation: the superadmin's session now shows it.
    const onboarded = await ops('POST', '/api/ops/organizations', { id: 'org-first', name: 'First' });
    expect(onboarded.status).toBe(201);
    expect(await onboarded.json()).toMatchObject({ organization: { id: 'org-first' }, invitation: null });
    const log = await getPage('/emails', { cookie });
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('First');
  });

  it('works again once a superadmin exists (the ops token is the root credential), and refuses a taken address', async () => {
    const email = `second-root-${crypto.randomUUID()}@example.com`;
    expect((await ops('POST', '/api/ops/users', { email, role: 'superadmin' })).status).toBe(201);
    const taken = await ops('POST', '/api/ops/users', { email: email.toUpperCase(), role: 'superadmin' });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ error: 'user-exists' });
  });
});

describe('the users of the operations API', () => {
  it('refuses bad input with its status and writes nothing', async () => {
    await seedOrganizations();
    const before = [await count('users'), await count('password_links'), await count('organizations')];
    const cases: Array<[string, unknown, number, string, RegExp]> = [
      ['/api/ops/users', 'not json', 400, 'invalid-request', /body: must be JSON/],
      ['/api/ops/users', { email: 'x@y.test' }, 400, 'invalid-request', /role: must be admin or superadmin/],
      ['/api/ops/users', { email: 'x@y.test', role: 'admin' }, 400, 'invalid-request', /organizationId: is required/],
      [
        '/api/ops/users',
        { email: 'x@y.test', role: 'superadmin', passwordHash: 'x' },
        400,
        'invalid-request',
        /passwordHash/,
      ],
      [
        '/api/ops/users',
        { email: 'x@y.test', role: 'admin', organizationId: 'org-nope' },
        404,
        'organization-not-found',
        /org-nope/,
      ],
      ['/api/ops/users/reset', { email: 'nobody@y.test' }, 404, 'user-not-found', /no user nobody@y.test/],
      ['/api/ops/users/remove', { email: 'nobody@y.test' }, 404, 'user-not-found', /no user/],
      ['/api/ops/users/remove', {}, 400, 'invalid-request', /email: is required/],
      [
        '/api/ops/organizations',
        { id: 'org-x', name: 'X', adminName: 'Y' },
        400,
        'invalid-request',
        /adminName: needs adminEmail/,
      ],
      ['/api/ops/organizations', { id: 'org-x', name: 'X', adminEmail: 'nope' }, 400, 'invalid-request', /adminEmail/],
      // A second tenant on Acme's D1 database would read Acme's mail.
      [
        '/api/ops/organizations',
        { id: 'org-x', name: 'X', kind: 'd1', binding: 'ORG_DB_ACME', adminEmail: 'x@y.test' },
        409,
        'binding-taken',
        /^D1 binding ORG_DB_ACME is the database of organization org-acme: each organization needs a D1 database of its own/,
      ],
    ];
    for (const [path, body, status, error, message] of cases) {
      const answer = await ops('POST', path, body);
      expect([path, body, answer.status]).toEqual([path, body, status]);
      const json = await answer.json<{ error: string; message: string }>();
      expect(json.error).toBe(error);
      expect(json.message).toMatch(message);
    }
    expect([await count('users'), await count('password_links'), await count('organizations')]).toEqual(before);
  });

  it('lists, resets and removes', async () => {
    await seedOrganizations();
    const email = `listed-${crypto.randomUUID()}@globex.test`;
    expect((await ops('POST', '/api/ops/users', { email, role: 'admin', organizationId: 'org-globex' })).status).toBe(
      201,
    );
    const list = await (
      await ops('GET', '/api/ops/users?org=org-globex')
    ).json<{ users: Array<{ email: string; organizationId: string }> }>();
    expect(list.users.map((u) => u.organizationId)).toEqual(list.users.map(() => 'org-globex'));
    expect(list.users.map((u) => u.email)).toContain(email);
    const reset = await ops('POST', '/api/ops/users/reset', { email });
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ user: { email }, link: { purpose: 'reset' } });
    const removed = await ops('POST', '/api/ops/users/remove', { email });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ removed: { email } });
    expect(await count(`users WHERE email = '${email}'`)).toBe(0);
  });
});

describe('one organisation per D1 database', () => {
  it('of two concurrent creations on one D1 binding, one is created (201) and the other refused (409 binding-taken)', async () => {
    await seedOrganizations();
    await releaseD1Binding('ORG_DB_GLOBEX');
    const answers = await Promise.all(
      ['org-race-a', 'org-race-b'].map((id) =>
        ops('POST', '/api/ops/organizations', { id, name: id, kind: 'd1', binding: 'ORG_DB_GLOBEX' }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(await refused.json()).toMatchObject({ error: 'binding-taken' });
    const rows = await env.ADMIN_DB.prepare(
      "SELECT count(*) AS n FROM organizations WHERE database_kind = 'd1' AND database_binding = 'ORG_DB_GLOBEX'",
    ).first('n');
    expect(rows).toBe(1);
  });
});

describe('mail (KURATCHI_MAIL_FROM and the AWS_* credentials set)', () => {
  it("mails an organisation's first admin their link through sendEmail, text only, recorded in their organisation's log", async () => {
    await seedOrganizations();
    await scriptHost(HOST, [
      { method: 'POST', pathPrefix: '/v2/email/outbound-emails', json: { MessageId: 'ses-invite-1' } },
    ]);
    const id = `org-mailed-${crypto.randomUUID().slice(0, 8)}`;
    const email = `mailed-${crypto.randomUUID()}@mailed.test`;
    const answer = await ops('POST', '/api/ops/organizations', { id, name: 'Mailed', adminEmail: email }, MAIL);
    expect(answer.status).toBe(201);
    const { invitation } = await answer.json<{
      invitation: { link: { url: string }; mail: { sent: boolean; emailId: string } };
    }>();
    expect(invitation.mail).toMatchObject({ sent: true });
    const [sent] = await requestsTo(HOST);
    const body = JSON.parse(sent!.body);
    expect(body.Destination.ToAddresses).toEqual([email]);
    expect(body.FromEmailAddress).toContain('kuratchi@dash.example');
    expect(body.Content.Simple.Body.Text.Data).toContain(invitation.link.url);
    expect(body.Content.Simple.Body.Html).toBeUndefined(); // so SES's click tracking leaves the link alone
    const orgDb = env.ORG_DO.get(env.ORG_DO.idFromName(id));
    const { durableObjectDatabase } = await import('kuratchi-sdk/internal/d1');
    const row = await durableObjectDatabase(orgDb as never)
      .prepare('SELECT subject, email_type AS type, status FROM emails WHERE id = ?')
      .bind(invitation.mail.emailId)
      .first();
    expect(row).toEqual({ subject: 'Your kuratchi dashboard invitation', type: 'invitation', status: 'sent' });
  });

  it('still answers the link when SES refuses the mail, saying why', async () => {
    await seedOrganizations();
    await scriptHost(HOST, [
      {
        method: 'POST',
        pathPrefix: '/v2/email/outbound-emails',
        status: 400,
        json: { message: 'Email address is not verified.' },
      },
    ]);
    const email = `refused-${crypto.randomUUID()}@acme.test`;
    const answer = await ops('POST', '/api/ops/users', { email, role: 'admin', organizationId: 'org-acme' }, MAIL);
    expect(answer.status).toBe(201);
    const json = await answer.json<{ link: { url: string }; mail: { sent: boolean; reason: string } }>();
    expect(json.link.url).toMatch(/set-password\?token=/);
    expect(json.mail.sent).toBe(false);
    expect(json.mail.reason).toMatch(/^not sent: .*not verified/);
  });
});

describe('an organisation created with KURATCHI_SES_TENANTS=on', () => {
  const TENANTS = { ...MAIL, KURATCHI_SES_TENANTS: 'on', KURATCHI_SES_TENANT_IDENTITIES: 'Mail.Example.com' };
  const tenantRow = (id: string) =>
    env.ADMIN_DB.prepare('SELECT state, tenant_arn AS arn, attempts FROM ses_tenants WHERE organization_id = ?')
      .bind(id)
      .first();

  it('gets its SES tenant with the configuration set and identities associated, and its invitation goes through it', async () => {
    await seedOrganizations();
    const id = `org-tenant-${crypto.randomUUID().slice(0, 8)}`;
    const arn = `arn:aws:ses:eu-west-1:123456789012:tenant/${id}/t-1`;
    await scriptHost(HOST, [
      { method: 'POST', pathPrefix: '/v2/email/tenants/resources', json: {} },
      {
        method: 'POST',
        pathPrefix: '/v2/email/tenants',
        json: { TenantName: id, TenantArn: arn, SendingStatus: 'ENABLED' },
      },
      { method: 'POST', pathPrefix: '/v2/email/outbound-emails', json: { MessageId: 'ses-tenant-invite' } },
    ]);
    const email = `tenant-admin-${crypto.randomUUID()}@acme.test`;
    const answer = await ops('POST', '/api/ops/organizations', { id, name: 'Tenant', adminEmail: email }, TENANTS);
    expect(answer.status).toBe(201);
    expect((await answer.json<{ tenant: { failures: string[] } }>()).tenant.failures).toEqual([]);
    const requests = (await requestsTo(HOST)).map((r) => [new URL(r.url).pathname, JSON.parse(r.body)]);
    expect(requests.slice(0, 4)).toEqual([
      [
        '/v2/email/tenants',
        {
          TenantName: id,
          SuppressionAttributes: { SuppressionScope: 'TENANT', SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
        },
      ],
      [
        '/v2/email/tenants/resources',
        { TenantName: id, ResourceArn: 'arn:aws:ses:eu-west-1:123456789012:configuration-set/kuratchi-email-tracking' },
      ],
      [
        '/v2/email/tenants/resources',
        { TenantName: id, ResourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/dash.example' },
      ],
      [
        '/v2/email/tenants/resources',
        { TenantName: id, ResourceArn: 'arn:aws:ses:eu-west-1:123456789012:identity/mail.example.com' },
      ],
    ]);
    expect(requests[4]![1]).toMatchObject({
      TenantName: id,
      FromEmailAddress: expect.stringContaining('kuratchi@dash.example'),
    });
    expect(await tenantRow(id)).toEqual({ state: 'created', arn, attempts: 0 });
  });

  it('is created even when SES fails: its tenant is recorded pending for the cron', async () => {
    await seedOrganizations();
    const id = `org-tenant-${crypto.randomUUID().slice(0, 8)}`;
    await scriptHost(HOST, [
      { status: 500, json: { message: 'down' }, headers: { 'x-amzn-errortype': 'InternalServiceErrorException' } },
    ]);
    const answer = await ops(
      'POST',
      '/api/ops/organizations',
      { id, name: 'Pending' },
      { ...TENANTS, KURATCHI_MAIL_FROM: undefined },
    );
    expect(answer.status).toBe(201);
    const { tenant } = await answer.json<{ tenant: { failures: string[] } }>();
    expect(tenant.failures).toEqual([
      expect.stringMatching(new RegExp(`^tenant ${id}: InternalServiceErrorException`)),
    ]);
    expect(await tenantRow(id)).toEqual({ state: 'create-pending', arn: null, attempts: 1 });
    expect(await count(`organizations WHERE id = '${id}'`)).toBe(1);
  });

  it('is removed by a superadmin: nothing routes to it, its tenant is deleted, its database kept; refusals', async () => {
    await seedOrganizations();
    const id = `org-leave-${crypto.randomUUID().slice(0, 8)}`;
    const arn = `arn:aws:ses:eu-west-1:123456789012:tenant/${id}/t-1`;
    await scriptHost(HOST, [
      { method: 'POST', pathPrefix: '/v2/email/tenants/delete', json: {} },
      { method: 'POST', pathPrefix: '/v2/email/tenants/resources', json: {} },
      { method: 'POST', pathPrefix: '/v2/email/tenants', json: { TenantName: id, TenantArn: arn } },
    ]);
    const noMail = { ...TENANTS, KURATCHI_MAIL_FROM: undefined };
    expect((await ops('POST', '/api/ops/organizations', { id, name: 'Leaving' }, noMail)).status).toBe(201);
    const remove = (body: unknown) => ops('POST', `/api/ops/organizations/${id}/remove`, body, noMail);
    for (const [body, message] of [
      [{}, `confirm: must be the organisation's id (${id})`],
      [{ confirm: 'org-other' }, `confirm: must be the organisation's id (${id})`],
    ] as const) {
      const refused = await remove(body);
      expect([refused.status, await refused.json()]).toEqual([400, { error: 'invalid-request', message }]);
    }
    expect(await count(`organizations WHERE id = '${id}' AND removed_at IS NULL`)).toBe(1);

    const removed = await remove({ confirm: id });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({
      organization: { id, kind: 'durable-object', binding: 'ORG_DO', removedBy: 'ops-token' },
      tenant: { done: [`tenant ${id} deleted at SES`], failures: [] },
      database: `its Durable Object (namespace ORG_DO, idFromName("${id}")) keeps its mail; nothing here deletes it`,
    });
    // https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_DeleteTenant.html
    expect((await requestsTo(HOST)).map((r) => [new URL(r.url).pathname, r.body && JSON.parse(r.body)]).at(-1)).toEqual(
      ['/v2/email/tenants/delete', { TenantName: id }],
    );
    expect(await tenantRow(id)).toBeNull();
    const listed = await (
      await ops('GET', '/api/ops/organizations')
    ).json<{
      organizations: Array<{ id: string }>;
      removed: Array<{ id: string }>;
    }>();
    expect(listed.organizations.map((o) => o.id)).not.toContain(id);
    expect(listed.removed.map((o) => o.id)).toContain(id);
    // Nothing routes to it: its database is not found.
    const reconcile = await ops('POST', '/api/ops/reconcile', { organizationId: id }, noMail);
    expect(reconcile.status).toBe(404);
    // Removed once: a second removal, and an unknown one, are not found.
    for (const path of [`/api/ops/organizations/${id}/remove`, '/api/ops/organizations/org-nobody/remove']) {
      const again = await ops('POST', path, { confirm: path.split('/')[4] }, noMail);
      expect(again.status).toBe(404);
    }
  });
});
