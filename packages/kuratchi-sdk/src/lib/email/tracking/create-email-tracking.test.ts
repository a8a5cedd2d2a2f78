import { env } from 'cloudflare:test';
import type { MessageBatch } from '@cloudflare/workers-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { durableObjectDatabase } from '../organizations/durable-object-database.js';
import { sesEventQueueMessage } from '../ingest/queue-message.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import {
  createEmailTracking,
  DEFAULT_DEAD_LETTER_QUEUE_NAME,
  type EmailTrackingOptions,
} from './create-email-tracking.js';

/**
 * The façade as a Worker wires it, on local D1 and a Durable Object: the webhook's answers, the
 * queue handler (events and the dead-letter queue), the park sweep, and what needs a setting.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
let signer: SnsSigner;

beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

function tracking(overrides: Partial<EmailTrackingOptions> = {}) {
  return createEmailTracking({
    env: env as unknown as Record<string, unknown>,
    allowedTopicArns: [TOPIC],
    certificates: { fetchCertificate: signer.fetchCertificate },
    now: () => NOW,
    ...overrides,
  });
}

/** A sent email of `organizationId` (its row and its lookup row), as sendEmail leaves it. */
async function sentEmail(db: D1Database, organizationId: string, withRoute = true) {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = await insertEmail(db, { sesMessageId });
  if (withRoute) {
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(sesMessageId, organizationId, emailId)
      .run();
  }
  return { sesMessageId, emailId };
}

async function snsPost(sesMessageId: string, eventType = 'Delivery', headers: Record<string, string> = {}) {
  const event = buildSesEvent({ eventType, messageId: sesMessageId, time: new Date(NOW.getTime() - 60_000) } as never);
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: `sns-${crypto.randomUUID()}`,
    TopicArn: TOPIC,
    Message: JSON.stringify(event),
    Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
  } as never);
  const body = JSON.stringify(signed);
  return {
    body,
    request: new Request('https://dash.example.com/api/webhooks/ses-events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', ...headers },
      body,
    }),
  };
}

const statusOf = (db: D1Database, id: string) =>
  db.prepare('SELECT status FROM emails WHERE id = ?').bind(id).first<{ status: string }>();

/** A batch of queue messages that records what the handler acked and retried. */
function batchOf(queue: string, bodies: unknown[]) {
  const acked: string[] = [];
  const retried: string[] = [];
  const messages = bodies.map((body, i) => ({
    id: `m-${i}-${crypto.randomUUID()}`,
    timestamp: NOW,
    attempts: 1,
    body,
    ack: () => acked.push(`m-${i}`),
    retry: () => retried.push(`m-${i}`),
  }));
  const batch = {
    queue,
    messages,
    ackAll: () => messages.forEach((message) => message.ack()),
    retryAll: () => messages.forEach((message) => message.retry()),
  } as unknown as MessageBatch<unknown>;
  return { batch, acked, retried };
}

describe('createEmailTracking', () => {
  it('webhook: records a signed event in a D1 organisation and in a Durable Object organisation', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const initechDb = durableObjectDatabase(env.ORG_DO.get(env.ORG_DO.idFromName(ORGS.initech)));
    const initech = await sentEmail(initechDb, ORGS.initech);
    for (const [email, db] of [
      [acme, env.ORG_DB_ACME],
      [initech, initechDb],
    ] as const) {
      const response = await tracking().webhook((await snsPost(email.sesMessageId)).request);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ outcome: 'applied' });
      expect((await statusOf(db, email.emailId))?.status).toBe('delivered');
    }
  });

  it('webhook: refuses a forged message (403), a foreign topic (403), and without the Basic credential (401)', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const { body } = await snsPost(acme.sesMessageId);
    const forged = JSON.stringify({ ...JSON.parse(body), Message: JSON.stringify({ eventType: 'Bounce' }) });
    const post = (text: string, headers: Record<string, string> = {}) =>
      new Request('https://dash.example.com/x', { method: 'POST', body: text, headers });
    expect((await tracking().webhook(post(forged))).status).toBe(403);
    expect((await tracking({ allowedTopicArns: [] }).webhook(post(body))).status).toBe(403);
    // No allowlist at all (a JavaScript caller, or a getter answering undefined): every topic refused.
    const noList = await tracking({ allowedTopicArns: undefined as never }).webhook(post(body));
    expect(noList.status).toBe(403);
    expect(await noList.json()).toMatchObject({ code: 'topic-not-allowed' });
    const credential = { username: 'sns', password: 's3cret-Pa55' };
    const locked = tracking({ webhookCredential: credential });
    const refused = await locked.webhook(post(body));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect((await statusOf(env.ORG_DB_ACME, acme.emailId))?.status).toBe('pending');
    const allowed = await locked.webhook(post(body, { authorization: `Basic ${btoa('sns:s3cret-Pa55')}` }));
    expect(await allowed.json()).toEqual({ outcome: 'applied' });
  });

  it('webhook in queued mode: sends the verified event to the queue and records nothing itself', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const sent: unknown[] = [];
    const queue = { send: async (message: unknown) => void sent.push(message) } as never;
    const counters = async () =>
      Object.fromEntries(
        (
          await env.ADMIN_DB.prepare(
            "SELECT name, count FROM ingestion_counters WHERE name IN ('received', 'verified', 'notification', 'outcome:queued')",
          ).all<{ name: string; count: number }>()
        ).results.map((r) => [r.name, r.count]),
      );
    const before = await counters();
    const after: Promise<unknown>[] = [];
    const context = { waitUntil: (promise: Promise<unknown>) => void after.push(promise) };
    const response = await tracking({ queue }).webhook((await snsPost(acme.sesMessageId)).request, context);
    await Promise.all(after);
    expect(await response.json()).toEqual({ outcome: 'queued' });
    expect(sent).toHaveLength(1);
    expect((await statusOf(env.ORG_DB_ACME, acme.emailId))?.status).toBe('pending');
    // The POST writes no figures: its answer travels with the queue message.
    expect(await counters()).toEqual(before);

    const { batch, acked, retried } = batchOf('kuratchi-ses-events', sent);
    await tracking().queue(batch);
    expect({ acked, retried }).toEqual({ acked: ['m-0'], retried: [] });
    expect((await statusOf(env.ORG_DB_ACME, acme.emailId))?.status).toBe('delivered');
    // The consumer counts the webhook's answer once, as the webhook used to.
    const plusOne = Object.fromEntries(
      ['received', 'verified', 'notification', 'outcome:queued'].map((n) => [n, (before[n] ?? 0) + 1]),
    );
    expect(await counters()).toEqual(plusOne);
  });

  it('queue: a batch of the dead-letter queue lands in the dead-letter table', async () => {
    const sesMessageId = `ses-${crypto.randomUUID()}`;
    const event = buildSesEvent({ eventType: 'Delivery', messageId: sesMessageId, time: NOW } as never);
    const message = sesEventQueueMessage({
      MessageId: `sns-${crypto.randomUUID()}`,
      Timestamp: NOW.toISOString(),
      Message: JSON.stringify(event),
    });
    const before = await countRows(env.ADMIN_DB, 'email_event_dead_letters');
    const { batch, acked } = batchOf(DEFAULT_DEAD_LETTER_QUEUE_NAME, [message]);
    await tracking().queue(batch);
    expect(acked).toEqual(['m-0']);
    expect(await countRows(env.ADMIN_DB, 'email_event_dead_letters')).toBe(before + 1);
    const row = await env.ADMIN_DB.prepare('SELECT reason FROM email_event_dead_letters WHERE ses_message_id = ?')
      .bind(sesMessageId)
      .first<{ reason: string }>();
    expect(row?.reason).toBe('queue-retries-exhausted');
  });

  it('sweepPark: an event that came before its lookup row is parked, then applied by the sweep', async () => {
    const acme = await sentEmail(env.ORG_DB_ACME, ORGS.acme, false);
    const response = await tracking().webhook((await snsPost(acme.sesMessageId)).request);
    expect(await response.json()).toEqual({ outcome: 'parked' });
    await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
      .bind(acme.sesMessageId, ORGS.acme, acme.emailId)
      .run();
    const report = await tracking().sweepPark(NOW);
    expect(report.applied).toBeGreaterThanOrEqual(1);
    expect((await statusOf(env.ORG_DB_ACME, acme.emailId))?.status).toBe('delivered');
  });

  it('says what is missing: sendEmail without a sender, an env without ADMIN_DB, park limits SNS would outlive', () => {
    expect(() => tracking().sendEmail({ organizationId: ORGS.acme, to: 'a@example.com', subject: 'x' })).toThrow(
      /needs the `sender` option/,
    );
    expect(() => createEmailTracking({ env: {}, allowedTopicArns: [] })).toThrow(/ADMIN_DB/);
    expect(() => tracking({ park: { ttlMs: 60_000 } })).toThrow(RangeError);
  });
});
