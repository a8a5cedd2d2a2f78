import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import sveltekit from '$sveltekit-worker';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSession, SESSION_TTL_MS } from './lib/server/auth/sessions';
import { CRONS } from './lib/server/scheduled/crons';
import { TEST_NOW } from '../test/clock.js';
import { addUser } from '../test/forms.js';
import { ORGS, seedOrganizations } from '../test/support.js';

/**
 * The Worker's `scheduled` handler (our entry around the SvelteKit build), run in workerd on local
 * D1 as the cron trigger runs it: every time comes from the controller's `scheduledTime`, and
 * every fixture time is derived from the same NOW.
 */
const NOW = TEST_NOW.getTime();
const HOUR = 3_600_000;
const CRON = CRONS.jobs;

beforeAll(seedOrganizations);
afterEach(() => vi.restoreAllMocks());

async function park(sesMessageId: string, snsMessageId: string, parkedAt: number) {
  const message = JSON.stringify(
    buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: new Date(parkedAt - 60_000) }),
  );
  await env.ADMIN_DB.prepare(
    'INSERT INTO parked_email_events (sns_message_id, ses_message_id, message, parked_at) VALUES (?, ?, ?, ?)',
  )
    .bind(snsMessageId, sesMessageId, message, parkedAt)
    .run();
}

async function runCron(at: number, overrides: Record<string, unknown> = {}, cron: string = CRON) {
  const ctx = createExecutionContext();
  const run = async () =>
    worker.scheduled!(createScheduledController({ scheduledTime: new Date(at), cron }), { ...env, ...overrides }, ctx);
  const settled = await run().then(
    () => null,
    (error: unknown) => error,
  );
  await waitOnExecutionContext(ctx);
  return settled;
}

function logLines(spy: { mock: { calls: unknown[][] } }) {
  return spy.mock.calls
    .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'scheduled-job');
}

describe('scheduled (cron trigger)', () => {
  it('sweeps the park: applies what has a lookup row, dead-letters what outlived KURATCHI_PARK_TTL_HOURS, one JSON line', async () => {
    const expired = `ses-cron-expired-${crypto.randomUUID()}`;
    const routed = `ses-cron-routed-${crypto.randomUUID()}`;
    await park(expired, `${expired}-1`, NOW - 25 * HOUR);
    await park(routed, `${routed}-1`, NOW - 60_000);
    const emailId = crypto.randomUUID();
    await env.ORG_DB_ACME.prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, 'r@example.com', 's@example.com', 'Hi', 'sent', ?, ?, ?)`,
    )
      // Sent a minute before the run (an email of 1970 would be past its retention and purged).
      .bind(emailId, routed, NOW - 60_000, NOW - 60_000)
      .run();
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(routed, ORGS.acme, emailId)
      .run();

    const log = vi.spyOn(console, 'log');
    expect(await runCron(NOW)).toBeNull();

    const deadLetters = await env.ADMIN_DB.prepare(
      'SELECT ses_message_id AS ses, reason, dead_lettered_at AS at FROM email_event_dead_letters WHERE ses_message_id IN (?, ?)',
    )
      .bind(expired, routed)
      .all();
    expect(deadLetters.results).toEqual([{ ses: expired, reason: 'no-route', at: NOW }]);
    expect(
      await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id IN (?, ?)')
        .bind(expired, routed)
        .first(),
    ).toEqual({ n: 0 });
    expect(await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first()).toEqual({
      status: 'delivered',
    });
    expect(logLines(log)).toEqual([
      expect.objectContaining({
        job: 'park-sweep',
        cron: CRON,
        scheduledTime: new Date(NOW).toISOString(),
        outcome: 'ok',
        applied: 1,
        deadLettered: 1,
      }),
      expect.objectContaining({ job: 'auth-purge', cron: CRON, outcome: 'ok' }),
      expect.objectContaining({ job: 'api-purge', cron: CRON, outcome: 'ok', idempotencyKeys: 0, rateWindows: 0 }),
      expect.objectContaining({ job: 'lag-purge', cron: CRON, outcome: 'ok' }),
      expect.objectContaining({ job: 'admin-purge', cron: CRON, outcome: 'ok', more: false }),
      expect.objectContaining({ job: 'storage-measure', cron: CRON, outcome: 'ok' }),
      // No AWS credentials in this env: reconciliation says so and does nothing.
      expect.objectContaining({ job: 'reconcile', cron: CRON, outcome: 'ok', status: 'not-configured' }),
      // No KURATCHI_RECONCILE_EXPORT_S3_URL: bulk reconciliation is off.
      expect.objectContaining({ job: 'reconcile-export', cron: CRON, outcome: 'ok', status: 'off' }),
      // Off in this env (no KURATCHI_CANARY_ORGANIZATION_ID), and saying so.
      expect.objectContaining({ job: 'canary', outcome: 'ok', skipped: expect.stringMatching(/^not configured/) }),
      // The reputation guard has its own trigger (every minute); silent, as here, this run takes its place.
      expect.objectContaining({ job: 'reputation-guard', cron: CRON, outcome: 'ok', evaluated: expect.any(Number) }),
      expect.objectContaining({ job: 'ses-tenants', cron: CRON, outcome: 'ok', off: expect.stringMatching(/^off/) }),
      // KURATCHI_SES_TENANTS is off by default: no tenant to read.
      expect.objectContaining({ job: 'ses-view', cron: CRON, outcome: 'ok', status: 'off' }),
      // KURATCHI_SES_TENANTS is off by default: the tenant suppression sync says so.
      expect.objectContaining({ job: 'suppression-sync', cron: CRON, outcome: 'ok', status: 'off' }),
      // Every organisation's database was created with the rollups: nothing to backfill.
      expect.objectContaining({ job: 'rollup-backfill', cron: CRON, outcome: 'ok', rowids: 0, left: 0 }),
      // Nothing past the retention (KURATCHI_RETENTION_* defaults, 45 days) in any organisation.
      expect.objectContaining({ job: 'retention-purge', cron: CRON, outcome: 'ok', emailsDeleted: 0, left: 0 }),
      // The dead letter is of mail no organisation sent (no route): counted and dropped in time,
      // it opens no incident.
      expect.objectContaining({ job: 'alerts', cron: CRON, outcome: 'ok', opened: 0 }),
    ]);
  });

  it('runs the reputation guard alone on its per-minute trigger', async () => {
    const organizations = await env.ADMIN_DB.prepare(
      'SELECT count(*) AS n FROM organizations WHERE removed_at IS NULL',
    ).first<{ n: number }>();
    const log = vi.spyOn(console, 'log');
    expect(await runCron(NOW, {}, CRONS.guard)).toBeNull();
    expect(logLines(log)).toEqual([
      expect.objectContaining({
        job: 'reputation-guard',
        cron: CRONS.guard,
        outcome: 'ok',
        evaluated: organizations?.n, // every one: fewer than KURATCHI_GUARD_ORGANIZATIONS_PER_RUN
        configurationSets: 'not configured',
      }),
    ]);
  });

  it('runs every job, the guard too, on a cron it does not know, and warns', async () => {
    const log = vi.spyOn(console, 'log');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await runCron(NOW, {}, '*/5 * * * *')).toBeNull();
    expect(warn.mock.calls.map(([line]) => JSON.parse(String(line)))).toEqual([
      { msg: 'scheduled-unknown-cron', cron: '*/5 * * * *', known: [CRONS.guard, CRONS.jobs], running: 'every job' },
    ]);
    const jobs = logLines(log).map((line) => [line['job'], line['outcome']]);
    expect(jobs).toContainEqual(['reputation-guard', 'ok']);
    expect(jobs).toContainEqual(['park-sweep', 'ok']);
    expect(jobs).toHaveLength(16);
  });

  it('purges expired sessions, and keeps live ones', async () => {
    const user = { id: await addUser(`cron-${crypto.randomUUID()}@acme.test`, 'pw'), organizationId: ORGS.acme };
    await createSession(env.ADMIN_DB, user, NOW - SESSION_TTL_MS - 1); // expired before NOW
    await createSession(env.ADMIN_DB, user, NOW - 60_000); // still live
    const log = vi.spyOn(console, 'log');
    expect(await runCron(NOW)).toBeNull();
    const left = await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM sessions WHERE user_id = ?')
      .bind(user.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(1);
    expect(logLines(log).find((line) => line['job'] === 'auth-purge')).toMatchObject({ outcome: 'ok', sessions: 1 });
  });

  it('keeps an event parked within the time to live (configurable)', async () => {
    const ses = `ses-cron-young-${crypto.randomUUID()}`;
    await park(ses, `${ses}-1`, NOW - 2 * HOUR);
    expect(await runCron(NOW, { KURATCHI_PARK_TTL_HOURS: '3' })).toBeNull();
    expect(
      await env.ADMIN_DB.prepare('SELECT count(*) AS n FROM parked_email_events WHERE ses_message_id = ?')
        .bind(ses)
        .first(),
    ).toEqual({ n: 1 });
    expect(await runCron(NOW + 2 * HOUR, { KURATCHI_PARK_TTL_HOURS: '3' })).toBeNull();
    expect(
      await env.ADMIN_DB.prepare('SELECT reason FROM email_event_dead_letters WHERE ses_message_id = ?')
        .bind(ses)
        .first(),
    ).toEqual({ reason: 'no-route' });
  });

  it('a failing job is logged as failed with its error, and the cron event fails', async () => {
    const error = vi.spyOn(console, 'error');
    const failure = await runCron(NOW, { KURATCHI_PARK_TTL_HOURS: '1' });
    // Only the job that reads the park section fails on it; the others ran (settings are
    // validated per section, when first read).
    expect(String(failure)).toBe('Error: scheduled jobs failed: park-sweep (see their log lines)');
    expect(logLines(error)).toEqual([
      expect.objectContaining({
        job: 'park-sweep',
        outcome: 'failed',
        error: expect.stringMatching(
          /^ConfigError: invalid park settings: KURATCHI_PARK_TTL_HOURS: must be longer than SNS's retry window of 1 hour/,
        ),
      }),
    ]);
  });

  it('a bad canary setting fails the canary alone (its job, its alert provider), naming the variable', async () => {
    const error = vi.spyOn(console, 'error');
    const failure = await runCron(NOW, { KURATCHI_CANARY_INTERVAL_MINUTES: '5' });
    const problem =
      "ConfigError: invalid canary settings: KURATCHI_CANARY_INTERVAL_MINUTES: must be at least 10 (the cron's period)";
    expect(String(failure)).toBe('Error: scheduled jobs failed: canary, alerts (see their log lines)');
    expect(logLines(error)).toEqual([
      expect.objectContaining({ job: 'canary', outcome: 'failed', error: problem }),
      // The alerts job ran its other providers.
      expect.objectContaining({
        job: 'alerts',
        outcome: 'failed',
        error: expect.stringContaining(`alert providers failed (canary: ${problem}); the rest ran`),
      }),
    ]);
  });
});

describe('fetch', () => {
  it("answers without the adapter's Cache API lookup, and hands the route the request as sent", async () => {
    // workerd's `caches.default`, which the adapter's Worker asks (not in the DOM's CacheStorage type).
    const cache = (caches as unknown as { default: Cache }).default;
    const match = vi.spyOn(cache, 'match');
    const put = vi.spyOn(cache, 'put');
    const ctx = createExecutionContext();
    const ping = await worker.fetch!(new Request('http://localhost/api/ping') as never, { ...env }, ctx);
    // A POST keeps its body: the refusal below comes from the webhook reading it, not from a lost body
    // (the webhook is answered before SvelteKit; the ses-status tests post JSON through the copy).
    const post = await worker.fetch!(
      new Request('http://localhost/api/webhooks/ses-events', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' },
        body: '{"Type":"Notification"}',
      }) as never,
      { ...env },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(ping.status).toBe(200);
    expect(post.status).toBe(400);
    expect(match).not.toHaveBeenCalled();
    expect(put).not.toHaveBeenCalled();
  });

  it("answers the SNS webhook's POST without SvelteKit, and hands it every other request", async () => {
    const routed = vi.spyOn(sveltekit, 'fetch');
    const ctx = createExecutionContext();
    const call = (path: string, init: RequestInit = {}) =>
      worker.fetch!(new Request(`http://localhost${path}`, init) as never, { ...env }, ctx);
    const snsPost = {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-amz-sns-message-type': 'Notification' },
      body: '{"Type":"Notification"}',
    };
    // Answered by the same handler as the route: the contract's answer to a malformed message.
    const webhook = await call('/api/webhooks/ses-events', snsPost);
    expect(webhook.status).toBe(400);
    expect(await webhook.json()).toMatchObject({ outcome: 'malformed' });
    expect(routed).not.toHaveBeenCalled();
    const others = [
      await call('/api/ping'),
      await call('/api/webhooks/ses-events'),
      await call('/api/webhooks/ses-events/', snsPost),
      await call('/api/webhooks/ses-events?x=1', { ...snsPost, method: 'PUT' }),
    ];
    await waitOnExecutionContext(ctx);
    expect(routed).toHaveBeenCalledTimes(others.length);
    expect(others[0]!.status).toBe(200);
  });
});
