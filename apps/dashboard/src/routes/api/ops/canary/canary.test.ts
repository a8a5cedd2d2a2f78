import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import type { CanaryRunReport } from 'kuratchi-sdk/internal/canary';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { canaryAlertProvider } from '../../../../lib/server/canary/alert';
import { createSession } from '../../../../lib/server/auth/sessions';
import { requestsTo, scriptHost } from '../../../../../test/fake-http';
import { addUser, APP_ORIGIN } from '../../../../../test/forms';
import { ORGS, post, seedOrganizations, signedEvent, testSigner } from '../../../../../test/support';
import { runScheduled } from '../../../../../test/cron';

// The canary end to end on the real build: the real scheduled handler (and POST /api/ops/canary)
// send through the Worker's own SESv2 client, answered by the scripted fake host; the simulator's
// events come back as signed SNS POSTs to the webhook; the run's progress, its lateness, the
// health panel and the canary-late alert follow. Route tests run on the Worker's real clock, so
// every time here derives from one Date.now() read per test.
const HOST = 'ses.canary-route.test';
const TOKEN = 'canary-route-test-ops-token-0123456789';
const CANARY = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
  KURATCHI_OPS_TOKEN: TOKEN,
  KURATCHI_CANARY_ORGANIZATION_ID: ORGS.globex,
  KURATCHI_CANARY_FROM: 'canary@globex.example',
  // Reconciliation off: the scripted SES host answers only what each test scripts.
  KURATCHI_RECONCILE_MAX_PER_RUN: '0',
};
const MINUTE = 60_000;

beforeAll(seedOrganizations);
afterEach(() => vi.restoreAllMocks());

/** Scripts SES to accept each SendEmail with its own message id. */
async function sesAccepts(ids: string[]) {
  await scriptHost(
    HOST,
    ids.map((id) => ({ method: 'POST', pathPrefix: '/v2/email/outbound-emails', json: { MessageId: id }, times: 1 })),
  );
}

/** The canary job's log line of a cron run at `at` (the run's other jobs must succeed). */
async function cron(at: number, overrides: Record<string, unknown> = CANARY) {
  const run = await runScheduled(at, overrides);
  if (run.failure) throw run.failure;
  return run.job('canary')!;
}

async function ops(method: 'GET' | 'POST', path: string, overrides: Record<string, unknown> = CANARY) {
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const response = await worker.fetch!(request as never, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Posts the simulator's answer for one expected event as SNS would, signed. */
async function comesBack(run: CanaryRunReport, scenario: string, eventType: string) {
  const expected = run.events.find((e) => e.scenario === scenario && e.eventType === eventType)!;
  const body = await signedEvent(await testSigner(), {
    eventType: eventType as never,
    messageId: expected.sesMessageId!,
    recipient: expected.recipient,
    time: new Date(Date.now() - 1000),
  });
  expect((await post(body)).status).toBe(200);
}

describe('the canary job and its operations API', () => {
  it('says clearly that it is off without KURATCHI_CANARY_ORGANIZATION_ID, or without AWS credentials', async () => {
    const now = Date.now();
    expect((await cron(now, {}))['skipped']).toMatch(/^not configured: set KURATCHI_CANARY_ORGANIZATION_ID/);
    const noAws = { KURATCHI_CANARY_ORGANIZATION_ID: ORGS.globex, KURATCHI_CANARY_FROM: 'canary@globex.example' };
    expect((await cron(now, noAws))['skipped']).toMatch(/^not configured: the Worker has no AWS credentials/);
    const refused = await ops('POST', '/api/ops/canary', { KURATCHI_OPS_TOKEN: TOKEN });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'canary-not-configured' });
    expect(await canaryAlertProvider({ ...env } as DashboardEnv)(new Date(now))).toEqual([]);
  });

  it('sends a run from the cron, measures each event back through the webhook, and passes', async () => {
    const ids = ['010f-canary-a-1', '010f-canary-a-2', '010f-canary-a-3'];
    await sesAccepts(ids);
    // The run is sent 90 s before its events come back (now), through the real scheduled handler.
    const sentAt = Date.now() - 90_000;
    const line = await cron(sentAt);
    expect(line).toMatchObject({ outcome: 'ok', checked: 0, started: { status: 'waiting' } });
    const runId = (line['started'] as { id: string }).id;
    const sent = await requestsTo(HOST);
    expect(
      sent.map((r) => (JSON.parse(r.body) as { Destination: { ToAddresses: string[] } }).Destination.ToAddresses[0]),
    ).toEqual([
      `success+${runId}@simulator.amazonses.com`,
      `bounce+${runId}@simulator.amazonses.com`,
      `complaint+${runId}@simulator.amazonses.com`,
    ]);

    const waiting = (await (await ops('GET', `/api/ops/canary/${runId}`)).json()) as CanaryRunReport;
    expect(waiting).toMatchObject({ status: 'waiting', arrived: 0, expected: 7 });
    for (const e of waiting.events) await comesBack(waiting, e.scenario, e.eventType);

    const passed = (await (await ops('GET', `/api/ops/canary/${runId}`)).json()) as CanaryRunReport;
    expect(passed).toMatchObject({ status: 'passed', arrived: 7, missing: [] });
    for (const e of passed.events) {
      expect(e.lagMs).toBeGreaterThanOrEqual(90_000);
      expect(e.lagMs).toBeLessThan(90_000 + 5 * MINUTE);
    }
    // Not the organisation's statistics, and no suppression of the simulator's addresses.
    const stats = await env.ORG_DB_GLOBEX.prepare(
      `SELECT (SELECT count(*) FROM emails WHERE canary = 1 AND status != 'sent') AS tracked,
              (SELECT count(*) FROM email_suppressions) AS suppressed`,
    ).first<{ tracked: number; suppressed: number }>();
    expect(stats).toEqual({ tracked: 3, suppressed: 0 });

    // Ten minutes on: the interval (60 min) has not passed, nothing is sent.
    expect(await cron(sentAt + 10 * MINUTE)).toMatchObject({ outcome: 'ok', started: null });
    expect(await canaryAlertProvider({ ...env, ...CANARY } as DashboardEnv)(new Date(sentAt + 10 * MINUTE))).toEqual(
      [],
    );
  });

  it('a run whose events do not come back is late at its deadline: one canary-late incident, cleared by a run in time', async () => {
    await sesAccepts(['010f-canary-b-1', '010f-canary-b-2', '010f-canary-b-3']);
    const started = await ops('POST', '/api/ops/canary');
    expect(started.status).toBe(201);
    const run = (await started.json()) as CanaryRunReport;
    expect(run).toMatchObject({ trigger: 'ops', status: 'waiting' });
    for (const e of run.events.filter((x) => x.eventType !== 'Complaint'))
      await comesBack(run, e.scenario, e.eventType);

    // The cron 16 minutes later (the deadline is 15): the run is late, the complaint named.
    const late = await cron(run.startedAt + 16 * MINUTE);
    expect(late).toMatchObject({ late: [run.id] });
    const provider = canaryAlertProvider({ ...env, ...CANARY } as DashboardEnv);
    const [condition, ...more] = await provider(new Date(run.startedAt + 16 * MINUTE));
    expect(more).toEqual([]);
    expect(condition).toMatchObject({ kind: 'canary-late', key: `canary-late:${ORGS.globex}`, severity: 'critical' });
    expect(condition!.title).toContain('complaint/Complaint not back');

    // The health panel shows it.
    const page = await overview({ ...CANARY });
    expect(page).toContain('data-canary-late="true"');
    expect(page).toContain(`is late: complaint/Complaint not back`);

    // A later run that comes back in time clears the condition.
    await sesAccepts(['010f-canary-c-1', '010f-canary-c-2', '010f-canary-c-3']);
    const next = (await (await ops('POST', '/api/ops/canary')).json()) as CanaryRunReport;
    for (const e of next.events) await comesBack(next, e.scenario, e.eventType);
    expect((await (await ops('GET', `/api/ops/canary/${next.id}`)).json()) as CanaryRunReport).toMatchObject({
      status: 'passed',
    });
    expect(await provider(new Date())).toEqual([]);
    const cleared = await overview({ ...CANARY });
    expect(cleared).toContain('data-canary-late="false"');
    expect(cleared).toContain('data-canary-status="passed"');
    expect(cleared).toMatch(/data-canary-event="complaint\/Complaint" data-back="true"/);
  });

  it("hides the canary's emails from the organisation's log unless asked", async () => {
    await sesAccepts(['010f-canary-d-1', '010f-canary-d-2', '010f-canary-d-3']);
    const run = (await (await ops('POST', '/api/ops/canary')).json()) as CanaryRunReport;
    const subject = `kuratchi canary ${run.id} (bounce)`;
    expect(await page('/emails', ORGS.globex)).not.toContain(subject);
    expect(await page('/emails?canary=include', ORGS.globex)).toContain(subject);
    expect(await page('/emails?canary=only', ORGS.globex)).toContain(subject);
  });

  it('answers 404 for an unknown run and 401 without the token', async () => {
    expect((await ops('GET', '/api/ops/canary/no-such-run')).status).toBe(404);
    const ctx = createExecutionContext();
    const response = await worker.fetch!(
      new Request(`${APP_ORIGIN}/api/ops/canary`, { method: 'POST' }) as never,
      { ...env, ...CANARY },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(401);
  });
});

/** The overview page of a signed-in Acme admin, with the canary settings in the env. */
function overview(overrides: Record<string, unknown>): Promise<string> {
  return page('/emails/overview', ORGS.acme, overrides);
}

/** A page as a signed-in admin of `organizationId` sees it. */
async function page(
  path: string,
  organizationId: string,
  overrides: Record<string, unknown> = CANARY,
): Promise<string> {
  const userId = await addUser(`canary-${crypto.randomUUID()}@example.com`, 'correct horse battery staple', {
    organizationId,
  });
  const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId }, Date.now());
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, {
    headers: { cookie: `kuratchi_session=${token}`, accept: 'text/html' },
    redirect: 'manual',
  });
  const response = await worker.fetch!(request as never, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(200);
  return response.text();
}
