import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ORGS,
  TOPIC,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  takeOutbound,
  testSigner,
  writes,
} from '../../../../../../test/support.js';

/**
 * The redrive path through the real Worker: messages as SNS moves them to the subscription's SQS
 * dead-letter queue (the signed envelope), hours or days old. The Worker runs on the real clock,
 * so every time below derives from one `Date.now()` read.
 */
const TOKEN = 'ops-token-for-redrive-tests-0123456789';
const HOUR = 3_600_000;
const NOW = Date.now();

let signer: SnsSigner;
beforeAll(async () => {
  await seedOrganizations();
  signer = await testSigner();
});

async function redrive(body: unknown, token: string | null = TOKEN, overrides: Record<string, unknown> = {}) {
  const ctx = createExecutionContext();
  const headers = new Headers({ 'content-type': 'application/json' });
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await worker.fetch!(
    new Request('http://127.0.0.1/api/ops/sns/redrive', {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }) as never,
    { ...env, KURATCHI_OPS_TOKEN: TOKEN, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

type Results = { results: Array<{ status: number; outcome: string; code?: string; snsMessageId?: string }> };

/** A Delivery of the email, signed and published `ageMs` ago (its SES event a minute before). */
const delivered = (sesMessageId: string, ageMs: number, overrides: Record<string, unknown> = {}) =>
  signedEvent(
    signer,
    { eventType: 'Delivery', messageId: sesMessageId, time: new Date(NOW - ageMs - 60_000) },
    { Timestamp: new Date(NOW - ageMs).toISOString(), ...overrides },
  );

const statusOf = (emailId: string) =>
  env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first('status');

describe('POST /api/ops/sns/redrive: authentication and input', () => {
  it('is off (403) without KURATCHI_OPS_TOKEN, 401 without or with a wrong token, and writes nothing', async () => {
    const before = await writes();
    const body = { messages: ['{}'] };
    const off = await redrive(body, TOKEN, { KURATCHI_OPS_TOKEN: undefined });
    expect(off.status).toBe(403);
    expect(await off.json()).toMatchObject({ error: 'ops-disabled' });
    expect((await redrive(body, null)).status).toBe(401);
    expect((await redrive(body, `${TOKEN}x`)).status).toBe(401);
    expect(await writes()).toBe(before);
  });

  it('answers 400 for a body that is not { messages: [1..10 strings] }', async () => {
    for (const body of ['not json', {}, { messages: [] }, { messages: [1] }, { messages: Array(11).fill('{}') }]) {
      const response = await redrive(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid-request' });
    }
  });
});

describe('POST /api/ops/sns/redrive: verified like the webhook, within the queue retention', () => {
  it('a genuine message 3 hours old is refused by the webhook and applied here; a second redrive is a duplicate', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await delivered(sesMessageId, 3 * HOUR);
    const webhook = await post(body);
    expect(webhook.status).toBe(403);
    expect(await webhook.json()).toMatchObject({ outcome: 'forbidden', code: 'timestamp-too-old' });
    expect(await statusOf(emailId)).toBe('pending');

    const first = await redrive({ messages: [body] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      results: [{ status: 200, outcome: 'applied', snsMessageId: JSON.parse(body).MessageId }],
    });
    expect(await statusOf(emailId)).toBe('delivered');
    expect(
      await env.ORG_DB_ACME.prepare('SELECT source FROM email_events WHERE email_id = ?').bind(emailId).first('source'),
    ).toBe('redrive');

    const again = (await (await redrive({ messages: [body] })).json()) as Results;
    expect(again.results).toMatchObject([{ status: 200, outcome: 'duplicate' }]);
    expect(
      await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
        .bind(emailId)
        .first('n'),
    ).toBe(1);
  });

  it('13 days old is accepted; 15 days (past the 14-day retention), forged, disallowed topic and malformed are refused, each in order', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const old = await delivered(sesMessageId, 13 * 24 * HOUR);
    const tooOld = await delivered(sesMessageId, 15 * 24 * HOUR);
    const genuine = JSON.parse(await delivered(sesMessageId, 2 * HOUR)) as Record<string, string>;
    const forged = JSON.stringify({ ...genuine, Message: genuine.Message!.replace('Delivery', 'Bounce') });
    const otherTopic = await delivered(sesMessageId, 2 * HOUR, { TopicArn: `${TOPIC}-other` });
    const answer = (await (
      await redrive({ messages: [tooOld, forged, otherTopic, 'not an SNS message', old] })
    ).json()) as Results;
    expect(answer.results).toMatchObject([
      { status: 403, outcome: 'forbidden', code: 'timestamp-too-old' },
      { status: 403, outcome: 'forbidden' },
      { status: 403, outcome: 'forbidden', code: 'topic-not-allowed' },
      { status: 400, outcome: 'malformed' },
      { status: 200, outcome: 'applied' },
    ]);
    expect(await statusOf(emailId)).toBe('delivered');
    expect(
      await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
        .bind(emailId)
        .first('n'),
    ).toBe(1);
  });

  it('a SubscriptionConfirmation found in the queue is reported (200 ignored), never visited', async () => {
    await takeOutbound();
    const before = await writes();
    const confirmation = JSON.stringify(
      await signer.sign({
        Type: 'SubscriptionConfirmation',
        MessageId: crypto.randomUUID(),
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
        SubscribeURL: `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=t`,
        Token: 't',
        Timestamp: new Date(NOW - 5 * HOUR).toISOString(),
      } as never),
    );
    const answer = (await (await redrive({ messages: [confirmation] })).json()) as Results;
    expect(answer.results).toMatchObject([
      { status: 200, outcome: 'ignored', code: 'subscription-message-not-handled' },
    ]);
    expect((await takeOutbound()).filter((r) => r.url.includes('ConfirmSubscription'))).toEqual([]);
    expect(await writes()).toBe(before);
  });
});
