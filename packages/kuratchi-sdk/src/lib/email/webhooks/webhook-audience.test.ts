import type { D1Database, Queue } from '@cloudflare/workers-types';
import { env } from 'cloudflare:test';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { sesEventContentId } from '../ses-events/content-identity.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createWebhookEndpoint } from './d1-webhook-endpoints.js';
import { enqueueWebhookEvents } from './enqueue.js';
import { forgetWebhookAudience, WEBHOOK_AUDIENCE_TTL_MS } from './webhook-audience.js';

/**
 * The ingest path enqueues a recorded event for outbound webhooks only when its organisation has
 * an enabled endpoint, and learns which organisations do with one admin query per isolate per
 * TTL, never one per event. Counted on the real admin D1 and the real webhooks queue (their
 * calls counted on the way through), with time as an input.
 */
const NOW = TEST_NOW.getTime();

/** `target` with the calls of `method` counted. */
function counting<T extends object>(target: T, method: string) {
  const calls = { n: 0 };
  const wrapped = new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === method) calls.n++;
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { wrapped, calls };
}

async function events(organizationId: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const event = parseSesEvent(
        buildSesEvent({ eventType: 'Delivery', messageId: `ses-${crypto.randomUUID()}`, time: TEST_NOW }),
      );
      return { organizationId, emailId: 'email-1', contentId: await sesEventContentId(event), event };
    }),
  );
}

describe('enqueueing recorded events for outbound webhooks', () => {
  const withEndpoint = `org-audience-${crypto.randomUUID()}`;
  const without = `org-audience-${crypto.randomUUID()}`;
  const fresh = `org-audience-${crypto.randomUUID()}`;
  beforeAll(async () => {
    for (const id of [withEndpoint, without, fresh]) {
      await env.ADMIN_DB.prepare(
        `INSERT INTO organizations (id, name, database_kind, database_binding, created_at)
         VALUES (?, 'Audience', 'durable-object', 'ORG_DO', 0)`,
      )
        .bind(id)
        .run();
    }
  });
  beforeEach(() => forgetWebhookAudience());

  it('sends nothing for an organisation without endpoints, with one admin query per TTL', async () => {
    await createWebhookEndpoint(env.ADMIN_DB, {
      organizationId: withEndpoint,
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['email.bounced'],
      now: NOW,
      development: true,
    });
    forgetWebhookAudience();
    const db = counting(env.ADMIN_DB as D1Database, 'prepare');
    const queue = counting(env.WEBHOOK_QUEUE as Queue<unknown>, 'sendBatch');
    const audience = { adminDb: db.wrapped, now: NOW };

    // 20 events of an organisation without endpoints, one at a time as SNS posts them.
    for (const input of await events(without, 20)) await enqueueWebhookEvents(queue.wrapped, [input], audience);
    expect(queue.calls.n).toBe(0);
    expect(db.calls.n).toBe(1);
    // Its neighbour's events are sent (one batch), still on the list read once.
    await enqueueWebhookEvents(queue.wrapped, [...(await events(withEndpoint, 3)), ...(await events(without, 2))], {
      ...audience,
      now: NOW + WEBHOOK_AUDIENCE_TTL_MS - 1,
    });
    expect(queue.calls.n).toBe(1);
    expect(db.calls.n).toBe(1);

    // An endpoint made in another isolate (here: straight into the table) counts once the TTL ends.
    await env.ADMIN_DB.prepare(
      `INSERT INTO webhook_endpoints (id, organization_id, url, event_types, secret, created_at)
       VALUES (?, ?, 'http://127.0.0.1:9/other', '["email.bounced"]', 'whsec_AAAA', ?)`,
    )
      .bind(`whe_${crypto.randomUUID().replaceAll('-', '')}`, without, NOW)
      .run();
    await enqueueWebhookEvents(queue.wrapped, await events(without, 1), {
      ...audience,
      now: NOW + WEBHOOK_AUDIENCE_TTL_MS - 1,
    });
    expect([queue.calls.n, db.calls.n]).toEqual([1, 1]);
    await enqueueWebhookEvents(queue.wrapped, await events(without, 1), {
      ...audience,
      now: NOW + WEBHOOK_AUDIENCE_TTL_MS,
    });
    expect([queue.calls.n, db.calls.n]).toEqual([2, 2]);
  });

  it('an endpoint created in this isolate receives the next event at once', async () => {
    const db = counting(env.ADMIN_DB as D1Database, 'prepare');
    const queue = counting(env.WEBHOOK_QUEUE as Queue<unknown>, 'sendBatch');
    await enqueueWebhookEvents(queue.wrapped, await events(fresh, 1), { adminDb: db.wrapped, now: NOW });
    expect(queue.calls.n).toBe(0);
    await createWebhookEndpoint(env.ADMIN_DB, {
      organizationId: fresh,
      url: 'http://127.0.0.1:9/hook',
      eventTypes: ['email.bounced'],
      now: NOW,
      development: true,
    });
    await enqueueWebhookEvents(queue.wrapped, await events(fresh, 1), { adminDb: db.wrapped, now: NOW + 1 });
    expect([queue.calls.n, db.calls.n]).toEqual([1, 2]);
  });
});
