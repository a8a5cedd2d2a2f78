import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { sesEventContentId } from '../ses-events/content-identity.js';
import { parseSesEvent, type SesEventType } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createWebhookEndpoint, rotateWebhookSecret } from './d1-webhook-endpoints.js';
import { enqueueWebhookEvents } from './enqueue.js';
import { webhookEventMessage } from './queue-message.js';
import { listWebhookDeliveries } from './d1-webhook-deliveries.js';
import { replayWebhookDeliveries } from './replay.js';
import { WEBHOOK_DISABLE_AFTER_MS } from './retry-schedule.js';

declare module 'vitest' {
  interface ProvidedContext {
    webhookReceiverUrl: string;
  }
}

/**
 * Outbound webhooks through the real queue (miniflare; test/worker.ts consumes it) to the real
 * receiver on 127.0.0.1 (test/node/webhook-receiver.mjs), which verifies every delivery with
 * the published `standardwebhooks` package. Each test has its own endpoints (a key in the path).
 * The consumer runs on the pinned test clock (test/worker.ts), and the receiver judges
 * `webhook-timestamp` by it: every time here derives from TEST_NOW.
 */
const ORG = 'org-webhooks';
const receiver = () => inject('webhookReceiverUrl');
const WAIT = { timeout: 60_000, interval: 100 };

interface Received {
  behaviour: string;
  key: string;
  id: string;
  timestamp: number;
  verified: boolean;
  verifiedBy: number;
  signatures: number;
  body: { type: string; timestamp: string; data: { organizationId: string; emailId: string; sesEvent: unknown } };
}

async function received(key: string): Promise<Received[]> {
  const log = (await (await fetch(`${receiver()}/log`)).json()) as Received[];
  return log.filter((d) => d.key === key);
}

/** An endpoint of ORG at the receiver's `behaviour` path; the receiver knows its secret. */
async function endpoint(behaviour: string, eventTypes = ['email.delivered', 'email.bounced']) {
  const key = crypto.randomUUID();
  const { endpoint, secret } = await createWebhookEndpoint(env.ADMIN_DB, {
    organizationId: ORG,
    url: `${receiver()}/${behaviour}/${key}`,
    eventTypes,
    now: TEST_NOW.getTime(),
    development: true,
  });
  await knows(key, [secret]);
  return { id: endpoint.id, key, secret };
}

async function knows(key: string, secrets: string[]): Promise<void> {
  await fetch(`${receiver()}/secrets/${key}`, { method: 'POST', body: JSON.stringify(secrets) });
}

/** Enqueues an event of ORG as the dashboard's `onRecorded` does; its content identity. */
async function enqueue(eventType: SesEventType = 'Delivery'): Promise<string> {
  const event = parseSesEvent(buildSesEvent({ eventType, messageId: `ses-${crypto.randomUUID()}`, time: TEST_NOW }));
  const contentId = await sesEventContentId(event);
  await env.WEBHOOK_QUEUE.send(webhookEventMessage({ organizationId: ORG, emailId: 'email-1', contentId, event }), {
    contentType: 'json',
  });
  return contentId;
}

interface Row {
  status: string;
  attempts: number;
  answer_status: number | null;
  latency_ms: number | null;
}
async function delivery(endpointId: string, webhookId: string): Promise<Row | null> {
  return env.ADMIN_DB.prepare(
    'SELECT status, attempts, answer_status, latency_ms FROM webhook_deliveries WHERE endpoint_id = ? AND webhook_id = ?',
  )
    .bind(endpointId, webhookId)
    .first<Row>();
}

async function endpointState(id: string) {
  return env.ADMIN_DB.prepare('SELECT disabled_reason, failing_since FROM webhook_endpoints WHERE id = ?')
    .bind(id)
    .first<{ disabled_reason: string | null; failing_since: number | null }>();
}

/** Waits until the row of a delivery satisfies `done`. */
function settled(endpointId: string, webhookId: string, done: (row: Row) => boolean): Promise<Row> {
  return vi.waitFor(async () => {
    const row = await delivery(endpointId, webhookId);
    if (!row || !done(row)) throw new Error(`delivery is ${JSON.stringify(row)}`);
    return row;
  }, WAIT);
}

beforeAll(async () => {
  await fetch(`${receiver()}/clock`, { method: 'POST', body: String(TEST_NOW.getTime()) });
  await env.ADMIN_DB.prepare(
    `INSERT INTO organizations (id, name, database_kind, database_binding, created_at)
     VALUES (?, 'Webhooks Inc', 'durable-object', 'ORG_DO', 0) ON CONFLICT (id) DO NOTHING`,
  )
    .bind(ORG)
    .run();
});

describe('outbound webhooks through the queue', () => {
  it('delivers one verified delivery per event per endpoint, with the content identity as webhook-id', async () => {
    const ok = await endpoint('ok');
    const bouncesOnly = await endpoint('ok', ['email.bounced']);
    const id = await enqueue('Delivery');
    const row = await settled(ok.id, id, (r) => r.status === 'delivered');
    expect(row).toMatchObject({ attempts: 1, answer_status: 204 });
    expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    const [got] = await received(ok.key);
    // Signed at the consumer's clock (the pinned one), and verified against it.
    expect(got).toMatchObject({ id, verified: true, signatures: 1, timestamp: Math.floor(TEST_NOW.getTime() / 1000) });
    expect(got!.body).toMatchObject({ type: 'email.delivered', data: { organizationId: ORG, emailId: 'email-1' } });
    expect(got!.body.timestamp).toBe(TEST_NOW.toISOString());

    // The same event told again (a duplicate SNS copy) is not delivered again; a new one is.
    await env.WEBHOOK_QUEUE.send(
      webhookEventMessage({
        organizationId: ORG,
        emailId: 'email-1',
        contentId: id,
        event: parseSesEvent((got!.body.data as { sesEvent: object }).sesEvent),
      }),
      { contentType: 'json' },
    );
    const next = await enqueue('Delivery');
    await settled(ok.id, next, (r) => r.status === 'delivered');
    expect((await received(ok.key)).map((d) => d.id)).toEqual([id, next]);
    // An endpoint that did not choose the type gets nothing.
    expect(await received(bouncesOnly.key)).toEqual([]);
    expect(await delivery(bouncesOnly.id, id)).toBeNull();
  });

  it('signs with both secrets during a rotation: a receiver that knows either verifies', async () => {
    const ok = await endpoint('ok');
    const rotated = await rotateWebhookSecret(env.ADMIN_DB, {
      organizationId: ORG,
      id: ok.id,
      now: TEST_NOW.getTime(),
      graceMs: 3_600_000,
    });
    const first = await enqueue();
    await settled(ok.id, first, (r) => r.status === 'delivered');
    await knows(ok.key, [rotated.secret]);
    const second = await enqueue();
    await settled(ok.id, second, (r) => r.status === 'delivered');
    const got = await received(ok.key);
    expect(got.map((d) => [d.verified, d.signatures])).toEqual([
      [true, 2],
      [true, 2],
    ]);
  });

  it('retries a failing endpoint on the schedule (5 s first) and marks it failing', async () => {
    const failing = await endpoint('fail');
    const id = await enqueue();
    const first = await settled(failing.id, id, (r) => r.attempts === 1);
    expect(first).toMatchObject({ status: 'pending', answer_status: 500 });
    expect((await endpointState(failing.id))!.failing_since).not.toBeNull();
    // The second attempt is the queue's own delayed message, 5 seconds later.
    const second = await settled(failing.id, id, (r) => r.attempts === 2);
    expect(second).toMatchObject({ status: 'pending', answer_status: 500 });
    expect((await received(failing.key)).every((d) => d.verified && d.id === id)).toBe(true);
  });

  it('counts a timeout as a failed attempt without an answer', async () => {
    const slow = await endpoint('slow');
    const id = await enqueue();
    expect(await settled(slow.id, id, (r) => r.attempts === 1)).toMatchObject({
      status: 'pending',
      answer_status: null,
    });
  });

  it('does not follow a redirect: a failed attempt, nothing sent to where it points', async () => {
    const moved = await endpoint('redirect');
    const id = await enqueue();
    expect(await settled(moved.id, id, (r) => r.attempts === 1)).toMatchObject({
      status: 'pending',
      answer_status: 302,
    });
    expect((await received(moved.key)).map((d) => d.behaviour)).toEqual(['redirect']);
  });

  it('stops at 410 Gone: the delivery is stopped and the endpoint disabled', async () => {
    const gone = await endpoint('gone');
    const id = await enqueue();
    expect(await settled(gone.id, id, (r) => r.attempts === 1)).toMatchObject({
      status: 'stopped',
      answer_status: 410,
    });
    expect((await endpointState(gone.id))!.disabled_reason).toBe('gone');
    const ok = await endpoint('ok');
    const later = await enqueue();
    await settled(ok.id, later, (r) => r.status === 'delivered');
    expect(await delivery(gone.id, later)).toBeNull();
  });

  it('disables an endpoint that has failed for days; a delivery clears the failing time', async () => {
    const failing = await endpoint('fail');
    await env.ADMIN_DB.prepare('UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?')
      .bind(TEST_NOW.getTime() - WEBHOOK_DISABLE_AFTER_MS - 60_000, failing.id)
      .run();
    const id = await enqueue();
    await settled(failing.id, id, (r) => r.attempts === 1);
    await vi.waitFor(async () => expect((await endpointState(failing.id))!.disabled_reason).toBe('failing'), WAIT);

    const ok = await endpoint('ok');
    await env.ADMIN_DB.prepare('UPDATE webhook_endpoints SET failing_since = 1 WHERE id = ?').bind(ok.id).run();
    await settled(ok.id, await enqueue(), (r) => r.status === 'delivered');
    expect(await endpointState(ok.id)).toEqual({ disabled_reason: null, failing_since: null });
  });

  it('enqueues events within Queues’ limits: one over 128 KB goes without its headers, and is delivered', async () => {
    const ok = await endpoint('ok');
    const small = parseSesEvent(
      buildSesEvent({ eventType: 'Delivery', messageId: `ses-${crypto.randomUUID()}`, time: TEST_NOW }),
    );
    const headers = Array.from({ length: 1500 }, (_, i) => ({ name: `X-Filler-${i}`, value: 'x'.repeat(100) }));
    const big = { ...small, mail: { ...small.mail, messageId: `ses-${crypto.randomUUID()}`, headers } };
    const ids = [await sesEventContentId(small), await sesEventContentId(big)];
    await enqueueWebhookEvents(
      env.WEBHOOK_QUEUE,
      [small, big].map((event, i) => ({ organizationId: ORG, emailId: 'email-2', contentId: ids[i]!, event })),
    );
    for (const id of ids) await settled(ok.id, id, (r) => r.status === 'delivered');
    const got = await received(ok.key);
    const bigOne = got.find((d) => d.id === ids[1])!.body.data.sesEvent as {
      mail: { headers: unknown[]; headersTruncated: boolean };
    };
    expect(bigOne.mail).toMatchObject({ headers: [], headersTruncated: true });
    expect(got.every((d) => d.verified)).toBe(true);
  });

  it('replays one delivery, or a time range, with the same webhook-id; never another organisation’s', async () => {
    const ok = await endpoint('ok');
    const [a, b] = [await enqueue(), await enqueue()];
    for (const id of [a, b]) await settled(ok.id, id, (r) => r.status === 'delivered');
    const listed = await listWebhookDeliveries(env.ADMIN_DB, { organizationId: ORG, endpointId: ok.id });
    expect(listed.map((d) => [d.webhookId, d.status, d.attempts, d.answerStatus])).toEqual(
      expect.arrayContaining([
        [a, 'delivered', 1, 204],
        [b, 'delivered', 1, 204],
      ]),
    );
    expect(await listWebhookDeliveries(env.ADMIN_DB, { organizationId: 'org-acme', endpointId: ok.id })).toEqual([]);

    const mine = { organizationId: ORG, endpointId: ok.id };
    expect(await replayWebhookDeliveries(env.ADMIN_DB, env.WEBHOOK_QUEUE, { ...mine, webhookId: a })).toBe(1);
    await settled(ok.id, a, (r) => r.attempts === 2 && r.status === 'delivered');
    expect(
      await replayWebhookDeliveries(env.ADMIN_DB, env.WEBHOOK_QUEUE, { ...mine, from: 0, to: TEST_NOW.getTime() + 1 }),
    ).toBe(2);
    await settled(ok.id, b, (r) => r.attempts === 2 && r.status === 'delivered');
    await settled(ok.id, a, (r) => r.attempts === 3);
    expect((await received(ok.key)).map((d) => d.id).sort()).toEqual([a, a, a, b, b].sort());
    await expect(
      replayWebhookDeliveries(env.ADMIN_DB, env.WEBHOOK_QUEUE, { ...mine, organizationId: 'org-acme' }),
    ).rejects.toThrow(/no such webhook endpoint/);
  });
});
