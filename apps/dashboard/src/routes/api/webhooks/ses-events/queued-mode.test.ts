import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import worker from '$worker';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  initechDatabase,
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  testSigner,
  writes,
} from '../../../../../test/support.js';

/**
 * Queued mode on the built Worker: with a Queue producer bound as SES_EVENTS_QUEUE the webhook
 * verifies, parses and enqueues (nothing written to D1 before the consumer runs), answers 503
 * when the queue refuses, and the Worker's own `queue` handler records what was enqueued and
 * moves the dead-letter queue's messages into the admin dead-letter table. The producer here
 * records what the Worker sends (the Queue binding's `send`), and the batch the consumer gets is
 * made of exactly those bodies.
 */
let signer: SnsSigner;
beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});

/**
 * `fail`: every send rejects; `written-then-fail`: the message is written, then the send rejects
 * all the same (a lost acknowledgement: Queues only promise that a resolved send was written).
 */
function recordingQueue(fail: boolean | 'written-then-fail' = false) {
  const sent: Array<{ body: unknown; options: unknown }> = [];
  return {
    sent,
    binding: {
      async send(body: unknown, options?: unknown) {
        if (fail === true) throw new Error('Queue send failed: Service Unavailable');
        sent.push({ body, options });
        if (fail) throw new Error('Queue send failed: Service Unavailable');
      },
      async sendBatch() {
        throw new Error('not used');
      },
    },
  };
}

async function runQueue(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as never, env as never, ctx);
  return getQueueResult(batch, ctx);
}

describe('queued mode', () => {
  it('enqueues a verified event (200 queued, D1 untouched); the queue handler records it', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const queue = recordingQueue();
    const before = await writes();
    const response = await post(await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId }), {
      env: { SES_EVENTS_QUEUE: queue.binding },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ outcome: 'queued' });
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]!.options).toEqual({ contentType: 'json' });
    expect(await writes()).toBe(before);

    const result = await runQueue('kuratchi-ses-events', [queue.sent[0]!.body, queue.sent[0]!.body]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    const row = await env.ORG_DB_ACME.prepare('SELECT status, delivered_at FROM emails WHERE id = ?')
      .bind(emailId)
      .first<{ status: string; delivered_at: number }>();
    expect(row?.status).toBe('delivered');
    const events = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
      .bind(emailId)
      .first<{ n: number }>();
    expect(events?.n).toBe(1);
  });

  it('the queue handler records a batch for an organisation on a Durable Object in its object, once', async () => {
    const db = initechDatabase();
    const { emailId, sesMessageId } = await sentEmail(db, ORGS.initech);
    const queue = recordingQueue();
    const at = Date.now() - 60_000;
    for (const [i, eventType] of (['Delivery', 'Open', 'Open'] as const).entries()) {
      const body = await signedEvent(signer, { eventType, messageId: sesMessageId, time: new Date(at + i * 1000) });
      expect((await post(body, { env: { SES_EVENTS_QUEUE: queue.binding } })).status).toBe(200);
    }
    const bodies = queue.sent.map((s) => s.body);
    const result = await runQueue('kuratchi-ses-events', [...bodies, ...bodies]);
    expect(result.explicitAcks).toHaveLength(6);
    expect(result.retryMessages).toEqual([]);
    expect(
      await db.prepare('SELECT status, open_count AS opens FROM emails WHERE id = ?').bind(emailId).first(),
    ).toEqual({ status: 'delivered', opens: 2 });
    expect(await db.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?').bind(emailId).first('n')).toBe(
      3,
    );
  });

  it('answers 503 when the queue refuses the event, so SNS delivers it again', async () => {
    const queue = recordingQueue(true);
    const response = await post(await signedEvent(signer, { eventType: 'Open', messageId: 'ses-queue-refused' }), {
      env: { SES_EVENTS_QUEUE: queue.binding },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ outcome: 'unavailable', code: 'queue-send-failed' });
  });

  it('a send written although it failed: the 503 is retried by SNS, and the event is recorded once', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId });
    const lost = recordingQueue('written-then-fail');
    expect((await post(body, { env: { SES_EVENTS_QUEUE: lost.binding } })).status).toBe(503);
    // SNS delivers the same message again, and that send succeeds.
    const queue = recordingQueue();
    expect((await post(body, { env: { SES_EVENTS_QUEUE: queue.binding } })).status).toBe(200);
    const result = await runQueue('kuratchi-ses-events', [lost.sent[0]!.body, queue.sent[0]!.body]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    const events = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
      .bind(emailId)
      .first('n');
    expect(events).toBe(1);
  });

  it('refuses a forged message with 403 before anything is enqueued', async () => {
    const queue = recordingQueue();
    const body = JSON.parse(await signedEvent(signer, { eventType: 'Open', messageId: 'ses-forged' }));
    const response = await post(JSON.stringify({ ...body, Message: body.Message.replace('Open', 'Click') }), {
      env: { SES_EVENTS_QUEUE: queue.binding },
    });
    expect(response.status).toBe(403);
    expect(queue.sent).toEqual([]);
  });

  it('the dead-letter queue lands in email_event_dead_letters with reason queue-retries-exhausted', async () => {
    const queue = recordingQueue();
    const ses = `ses-dlq-${crypto.randomUUID()}`;
    await post(await signedEvent(signer, { eventType: 'Open', messageId: ses }), {
      env: { SES_EVENTS_QUEUE: queue.binding },
    });
    const result = await runQueue('kuratchi-ses-events-dlq', [queue.sent[0]!.body]);
    expect(result.ackAll).toBe(true);
    const letter = await env.ADMIN_DB.prepare('SELECT reason FROM email_event_dead_letters WHERE ses_message_id = ?')
      .bind(ses)
      .first();
    expect(letter).toEqual({ reason: 'queue-retries-exhausted' });
  });
});
