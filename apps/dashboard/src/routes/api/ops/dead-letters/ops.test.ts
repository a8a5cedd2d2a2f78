import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, seedOrganizations } from '../../../../../test/support.js';
import { listDeadLetters } from '../../../../lib/server/ops/dead-letters';

/** The operations API through the real Worker: bearer token, list, replay. */
const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const WITH_TOKEN = { KURATCHI_OPS_TOKEN: TOKEN };

beforeAll(seedOrganizations);

async function call(
  path: string,
  init: RequestInit = {},
  overrides: Record<string, unknown> = WITH_TOKEN,
  token: string | null = TOKEN,
) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await worker.fetch!(
    new Request(`http://127.0.0.1${path}`, { ...init, headers }) as never,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function deadLetter(sesMessageId: string, id: string, reason = 'no-route') {
  const message = JSON.stringify(
    buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: new Date(Date.UTC(2026, 10, 28)) }),
  );
  await env.ADMIN_DB.prepare(
    'INSERT INTO email_event_dead_letters (sns_message_id, ses_message_id, message, reason, first_seen_at, dead_lettered_at) VALUES (?, ?, ?, ?, 1, 2)',
  )
    .bind(id, sesMessageId, message, reason)
    .run();
}

describe('/api/ops/dead-letters: authentication', () => {
  it('is off (403) without KURATCHI_OPS_TOKEN, and 401 without or with a wrong bearer token', async () => {
    const off = await call('/api/ops/dead-letters', {}, {});
    expect(off.status).toBe(403);
    expect(await off.json()).toMatchObject({ error: 'ops-disabled' });
    const missing = await call('/api/ops/dead-letters', {}, WITH_TOKEN, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="kuratchi ops"');
    expect((await call('/api/ops/dead-letters', {}, WITH_TOKEN, `${TOKEN}x`)).status).toBe(401);
    expect(
      (
        await call(
          '/api/ops/dead-letters/replay',
          { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
          WITH_TOKEN,
          'guess',
        )
      ).status,
    ).toBe(401);
  });

  it('refuses a token shorter than 32 characters in the configuration', async () => {
    const response = await call('/api/ops/dead-letters', {}, { KURATCHI_OPS_TOKEN: 'short' }, 'short');
    expect(response.status).toBe(500);
  });
});

describe('/api/ops/dead-letters: list and replay', () => {
  it('lists by reason and pages; replay applies what has a route now and keeps the rest', async () => {
    const routed = `ses-ops-${crypto.randomUUID()}`;
    const stuck = `ses-ops-stuck-${crypto.randomUUID()}`;
    await deadLetter(routed, `${routed}-1`);
    await deadLetter(stuck, `${stuck}-1`, 'park-full');
    const emailId = crypto.randomUUID();
    await env.ORG_DB_ACME.prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, ses_message_id, created_at, updated_at) VALUES (?, 'r@example.com', 's@example.com', 'Hi', 'sent', ?, 1, 1)`,
    )
      .bind(emailId, routed)
      .run();
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(routed, ORGS.acme, emailId)
      .run();

    const list = await call(`/api/ops/dead-letters?sesMessageId=${routed}`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      counts: { 'no-route': 1, 'park-full': 1 },
      deadLetters: [
        {
          snsMessageId: `${routed}-1`,
          sesMessageId: routed,
          reason: 'no-route',
          eventType: 'Delivery',
          firstSeenAt: 1,
          deadLetteredAt: 2,
          replayAttempts: 0,
          lastReplayAt: null,
        },
      ],
      next: null,
      // The tally of the last 30 days by the real clock (the route's `now`): its own test pins it.
      dropped: expect.any(Array),
    });
    expect((await call('/api/ops/dead-letters?limit=0')).status).toBe(400);
    expect(await (await call('/api/ops/dead-letters?reason=lost')).json()).toMatchObject({
      error: 'invalid-request',
      message: expect.stringContaining('reason'),
    });

    const replay = (body: object) =>
      call('/api/ops/dead-letters/replay', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const first = await replay({ limit: 10 });
    expect(first.status).toBe(200);
    const report = (await first.json()) as {
      replayed: Array<{ snsMessageId: string; outcome: string }>;
      next: string | null;
    };
    expect(report.replayed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ snsMessageId: `${routed}-1`, was: 'no-route', outcome: 'applied' }),
        expect.objectContaining({ snsMessageId: `${stuck}-1`, was: 'park-full', outcome: 'no-route' }),
      ]),
    );
    expect(await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first()).toEqual({
      status: 'delivered',
    });
    expect(await (await call(`/api/ops/dead-letters?sesMessageId=${stuck}`)).json()).toMatchObject({
      counts: { 'no-route': 1 },
      deadLetters: [{ reason: 'no-route', replayAttempts: 1 }],
    });
    expect((await replay({ limit: 1000 })).status).toBe(400);
  });
});

describe('/api/ops/dead-letters: what the sweep dropped', () => {
  it('lists the tally of dropped dead letters of no known organisation over the last 30 days', async () => {
    const now = new Date(Date.UTC(2026, 10, 28, 12));
    const day = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
    const tally = env.ADMIN_DB.prepare(
      "INSERT INTO dropped_dead_letters (day, reason, dropped, last_dropped_at) VALUES (?, 'no-route', ?, 0)",
    );
    await env.ADMIN_DB.batch([tally.bind(day(2), 40), tally.bind(day(45), 7)]);
    const url = new URL('http://127.0.0.1/api/ops/dead-letters?limit=1');
    const response = await listDeadLetters(env as unknown as DashboardEnv, url, now);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { dropped: unknown }).dropped).toEqual([
      { day: day(2), reason: 'no-route', dropped: 40 },
    ]);
  });
});
