import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { createD1ReputationGuardStore } from 'kuratchi-sdk/internal/guard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../auth/sessions';
import { ConfigError } from '../config';
import { testTime } from '../../../../test/clock.js';
import { requestsTo, scriptHost } from '../../../../test/fake-http';
import { addUser, APP_ORIGIN, postForm } from '../../../../test/forms.js';
import { ORGS, seedOrganizations } from '../../../../test/support.js';
import { reputationAlertProvider } from './alerts';
import { readReputationSettings } from './settings';
import { runScheduled } from '../../../../test/cron';
import { CRONS } from '../scheduled/crons';

/**
 * The reputation guard in the Worker: the cron job through the real `scheduled` handler, the
 * alert provider, the ops API and the superadmin's page and lift form, on local D1 in workerd.
 * The cron runs at an instant of this file's own (derived from the pinned clock, far from other
 * files' fixtures), so that only this file's recipients fall in the window.
 */
const DAY = 86_400_000;
const AT = testTime(900 * DAY);
const HOST = 'ses.reputation-guard.test';
const AWS = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
  // Reconciliation off: the scripted SES host answers only the configuration set calls.
  KURATCHI_RECONCILE_MAX_PER_RUN: '0',
};
const TOKEN = 'reputation-ops-token-0123456789abcdef';
const store = () => createD1ReputationGuardStore(env.ADMIN_DB);

/**
 * Session cookies of a superadmin and of an admin, made at the real now (the request handler
 * checks sessions against it): after the cron runs of this file, whose auth-purge at `AT`
 * deletes the sessions that expire before it.
 */
async function cookies() {
  const superId = await addUser(`root-${crypto.randomUUID()}@kuratchi.test`, 'pw', { role: 'superadmin' });
  const adminId = await addUser(`admin-${crypto.randomUUID()}@acme.test`, 'pw');
  const session = async (id: string) =>
    `kuratchi_session=${(await createSession(env.ADMIN_DB, { id, organizationId: ORGS.acme }, Date.now())).token}`;
  return { superCookie: await session(superId), adminCookie: await session(adminId) };
}

/** `recipients` recipients of one email sent at `sentAt`, the first `bounced` of them bounced (Permanent). */
async function sent(db: D1Database, sentAt: number, recipients: number, bounced: number) {
  const id = crypto.randomUUID();
  await db
    .prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, created_at, updated_at, sent_at)
       VALUES (?, ?, 's@example.com', 'Reputation', 'sent', ?, ?, ?)`,
    )
    .bind(id, `r0-${id}@example.com`, sentAt, sentAt, sentAt)
    .run();
  await db.batch(
    Array.from({ length: recipients }, (_, i) =>
      db
        .prepare(
          `INSERT INTO email_recipients (email_id, address, kind, status, sent_at, bounced_at, bounce_type)
           VALUES (?, ?, 'to', ?, ?, ?, ?)`,
        )
        .bind(
          id,
          `r${i}-${id}@example.com`,
          i < bounced ? 'bounced' : 'sent',
          sentAt,
          i < bounced ? sentAt + 1 : null,
          i < bounced ? 'Permanent' : null,
        ),
    ),
  );
}

/** The reputation-guard job's log line of a run of its cron (every minute) at `AT`. */
async function runCron(overrides: Record<string, unknown> = {}) {
  const run = await runScheduled(AT, overrides, CRONS.guard);
  if (run.failure) throw run.failure;
  return run.job('reputation-guard');
}

async function get(path: string, headers: Record<string, string>, envOverrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`${APP_ORIGIN}${path}`, { headers: { accept: 'text/html', ...headers }, redirect: 'manual' }) as never,
    { ...env, ...envOverrides } as never,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

beforeAll(async () => {
  await seedOrganizations();
  // Globex: 5 % bounces over 1,300 recipients (pause); Acme: 2.5 % over 2,600 (warn); both on
  // 65 bounced addresses, past the evidence minimum of 50.
  await sent(env.ORG_DB_GLOBEX, AT.getTime() - DAY, 1300, 65);
  await sent(env.ORG_DB_ACME, AT.getTime() - 2 * DAY, 2600, 65);
  await store().setConfigurationSet(ORGS.globex, 'globex-tracking');
});

afterAll(async () => {
  // Leave the test organisations as found: not paused, no configuration set of their own.
  await env.ADMIN_DB.batch([
    env.ADMIN_DB.prepare('DELETE FROM reputation_guard_state'),
    env.ADMIN_DB.prepare('DELETE FROM organization_configuration_sets'),
  ]);
});

describe('the KURATCHI_GUARD_* settings', () => {
  it('read thresholds in percent, and name the variable that is out of bounds', () => {
    expect(
      readReputationSettings({
        ADMIN_DB: env.ADMIN_DB,
        KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT: '3.5',
        KURATCHI_GUARD_WINDOW_DAYS: '14',
      }),
    ).toMatchObject({ windowDays: 14, thresholds: { bounce: { warn: 0.02, pause: 0.035 } } });
    expect(() => readReputationSettings({ ADMIN_DB: env.ADMIN_DB, KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT: '5' })).toThrow(
      /KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT: must be below SES's review level of 5 %/,
    );
    expect(() =>
      readReputationSettings({ ADMIN_DB: env.ADMIN_DB, KURATCHI_GUARD_COMPLAINT_WARN_PERCENT: '0.09' }),
    ).toThrow(
      /KURATCHI_GUARD_COMPLAINT_WARN_PERCENT \/ KURATCHI_GUARD_COMPLAINT_PAUSE_PERCENT: warn must be below pause/,
    );
    expect(() => readReputationSettings({ ADMIN_DB: env.ADMIN_DB, KURATCHI_GUARD_MIN_RECIPIENTS: 'many' })).toThrow(
      ConfigError,
    );
  });
});

describe('the reputation-guard cron job, the alerts, the ops API and the superadmin', () => {
  it('pauses Globex (and its configuration set at SES), warns Acme, and reports both', async () => {
    await scriptHost(HOST, [{ method: 'PUT', pathPrefix: '/v2/email/configuration-sets/', json: {} }]);
    const line = await runCron(AWS);
    expect(line).toMatchObject({ outcome: 'ok', organizations: 'all', configurationSets: 'managed', failures: [] });
    expect(line!['changes']).toEqual(
      expect.arrayContaining([
        `${ORGS.globex}: ok -> paused (globex-tracking: sending disabled at SES)`,
        `${ORGS.acme}: ok -> warn`,
      ]),
    );
    const [request] = await requestsTo(HOST);
    expect(request).toMatchObject({
      method: 'PUT',
      url: `https://${HOST}/v2/email/configuration-sets/globex-tracking/sending`,
    });
    expect(JSON.parse(request!.body)).toEqual({ SendingEnabled: false });

    // The next run, same data: no change, no second call at SES.
    expect(await runCron(AWS)).toMatchObject({ outcome: 'ok', changes: [] });
    expect(await requestsTo(HOST)).toHaveLength(1);

    const alerts = await reputationAlertProvider(env as never)(AT);
    expect(alerts.map((a) => [a.kind, a.organizationId, a.severity])).toEqual(
      expect.arrayContaining([
        ['reputation-pause', ORGS.globex, 'critical'],
        ['reputation-warn', ORGS.acme, 'warning'],
      ]),
    );
    const pause = alerts.find((a) => a.kind === 'reputation-pause')!;
    expect(pause.key).toBe(`reputation-pause:${ORGS.globex}:${AT.getTime()}`);
    expect(pause.title).toBe(
      'Globex: sending paused, bounce rate 5 % is past the pause threshold 4 % (long window 7 days)',
    );
    expect(alerts.find((a) => a.kind === 'reputation-warn')!.title).toMatch(/ \(long window 7 days\)$/);

    const ops = await get('/api/ops/reputation', { authorization: `Bearer ${TOKEN}` }, { KURATCHI_OPS_TOKEN: TOKEN });
    expect(ops.status).toBe(200);
    const body = (await ops.json()) as {
      organizations: Array<{ organizationId: string; state: string; rate: number }>;
    };
    expect(body.organizations.slice(0, 2)).toMatchObject([
      { organizationId: ORGS.globex, state: 'paused', rate: 0.05 },
      { organizationId: ORGS.acme, state: 'warn' },
    ]);
    expect((await get('/api/ops/reputation', {}, { KURATCHI_OPS_TOKEN: TOKEN })).status).toBe(401);
  });

  it('without AWS credentials the job says configuration sets are not configured', async () => {
    expect(await runCron()).toMatchObject({ outcome: 'ok', configurationSets: 'not configured' });
  });

  it('an admin gets 403 for the page and the lift; the pause stays', async () => {
    const { adminCookie } = await cookies();
    expect((await get('/admin/organizations', { cookie: adminCookie })).status).toBe(403);
    const refused = await postForm(
      '/admin/organizations?/lift',
      { organizationId: ORGS.globex, reason: 'let me send' },
      { cookie: adminCookie },
    );
    expect(refused.status).toBe(403);
    expect(await store().getState(ORGS.globex)).toMatchObject({ state: 'paused' });
  });

  it('a superadmin sees every organisation worst first, and lifts with a reason kept in the audit log', async () => {
    const { superCookie } = await cookies();
    const page = await get('/admin/organizations', { cookie: superCookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.indexOf(`data-organization="${ORGS.globex}"`)).toBeLessThan(
      html.indexOf(`data-organization="${ORGS.acme}"`),
    );
    expect(html).toContain('data-state="paused"');
    // Acme warns on its bounces; its complaint rate has no verdict yet (none over 2,600 recipients).
    expect(html).toMatch(/data-needs="complaint">complaint: needs 9,900 more recipients/);
    expect(html).toMatch(/bounce\s+5 % ≥ 4 % \(long window 7 days\)/);
    // Initech sent nothing: no verdict yet (it read "ok").
    expect(html).toMatch(/data-organization="org-initech" data-state="ok" data-verdict="none"/);

    const noReason = await postForm(
      '/admin/organizations?/lift',
      { organizationId: ORGS.globex, reason: '' },
      { cookie: superCookie },
    );
    expect(noReason.status).toBe(400);
    expect(await store().getState(ORGS.globex)).toMatchObject({ state: 'paused' });

    const lifted = await postForm(
      '/admin/organizations?/lift',
      { organizationId: ORGS.globex, reason: 'bounced list removed' },
      { cookie: superCookie },
    );
    expect(lifted.status).toBe(200);
    expect(await lifted.text()).toContain('data-testid="lift-done"');
    // No AWS credentials in this env: re-enabling the configuration set at SES is left pending
    // (each later evaluation retries it).
    expect(await store().getState(ORGS.globex)).toMatchObject({
      state: 'ok',
      rearmAfter: expect.any(Number),
      configurationSetSending: 'enable-pending',
    });
    // The lift happens at the real now, the cron's pause at this file's later instant: by action.
    const entry = (await store().listAudit({ organizationId: ORGS.globex })).find((e) => e.action === 'lift');
    expect(entry).toMatchObject({
      reason: 'bounced list removed',
      bounceRate: 0.05,
      configurationSet: 'globex-tracking: enabling sending at SES pending (no AWS credentials configured)',
    });
    expect(entry!.actor).toMatch(/^root-.*@kuratchi\.test$/);

    const again = await postForm(
      '/admin/organizations?/lift',
      { organizationId: ORGS.globex, reason: 'twice' },
      { cookie: superCookie },
    );
    expect(again.status).toBe(409);
  });
});
