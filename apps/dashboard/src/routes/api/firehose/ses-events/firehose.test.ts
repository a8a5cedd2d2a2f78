import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import worker from '$worker';
import { buildFirehoseRequestBody, buildSesEvent, gzipBytes } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ORGS, seedOrganizations, sentEmail, writes } from '../../../../../test/support.js';

/**
 * The Firehose HTTP endpoint on the built Worker (workerd, local D1, the real clock as the
 * Worker has): access key, Firehose's request and answer format, gzip, limits, both modes, and
 * idempotency when Firehose delivers a request again.
 */
const URL_PATH = 'http://127.0.0.1/api/firehose/ses-events';
const KEY = 'firehose-access-key-0123456789abcdef0123';

beforeAll(seedOrganizations);

async function postFirehose(
  body: BodyInit,
  options: { key?: string | null; headers?: Record<string, string>; env?: Record<string, unknown> } = {},
) {
  const ctx = createExecutionContext();
  const request = new Request(URL_PATH, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-amz-firehose-protocol-version': '1.0',
      'x-amz-firehose-request-id': 'header-request-id',
      ...(options.key === null ? {} : { 'x-amz-firehose-access-key': options.key ?? KEY }),
      ...options.headers,
    },
    body,
  });
  const response = await worker.fetch!(
    request as never,
    { ...env, KURATCHI_FIREHOSE_ACCESS_KEY: KEY, ...options.env },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const record = (type: 'Send' | 'Delivery' | 'Open', messageId: string, offsetMs = 0) =>
  JSON.stringify(buildSesEvent({ eventType: type, messageId, time: new Date(Date.now() - 60_000 + offsetMs) }));

async function emailRow(emailId: string) {
  return env.ORG_DB_ACME.prepare('SELECT status, open_count FROM emails WHERE id = ?')
    .bind(emailId)
    .first<{ status: string; open_count: number }>();
}
async function eventCount(emailId: string) {
  return (await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
    .bind(emailId)
    .first<{ n: number }>())!.n;
}

describe('Firehose HTTP endpoint, direct mode', () => {
  it('applies a batch and answers 200 with the request id echoed; the same batch again counts nothing twice', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = JSON.stringify(
      buildFirehoseRequestBody(
        [record('Send', sesMessageId), `${record('Delivery', sesMessageId)}\n`, record('Open', sesMessageId, 1000)],
        { requestId: 'req-direct-1', timestamp: new Date() },
      ),
    );
    const first = await postFirehose(body);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await first.json()) as { requestId: string; timestamp: number };
    expect(answer.requestId).toBe('req-direct-1');
    expect(Math.abs(answer.timestamp - Date.now())).toBeLessThan(60_000);
    expect(await emailRow(emailId)).toEqual({ status: 'delivered', open_count: 1 });
    expect(await eventCount(emailId)).toBe(3);
    const sources = await env.ORG_DB_ACME.prepare('SELECT DISTINCT source FROM email_events WHERE email_id = ?')
      .bind(emailId)
      .all<{ source: string }>();
    expect(sources.results).toEqual([{ source: 'firehose' }]);

    const again = await postFirehose(body);
    expect(again.status).toBe(200);
    expect(await emailRow(emailId)).toEqual({ status: 'delivered', open_count: 1 });
    expect(await eventCount(emailId)).toBe(3);
  });

  it('reads a gzip body', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const json = JSON.stringify(
      buildFirehoseRequestBody([record('Delivery', sesMessageId)], { timestamp: new Date() }),
    );
    const response = await postFirehose(await gzipBytes(new TextEncoder().encode(json)), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect((await emailRow(emailId))?.status).toBe('delivered');
  });

  it('acknowledges a record that is not an SES event (counted refused) and applies the rest', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const before = await counter('firehose:refused');
    const body = buildFirehoseRequestBody([record('Delivery', sesMessageId), '{"eventType":"Received"}', 'not json'], {
      timestamp: new Date(),
    });
    const response = await postFirehose(JSON.stringify(body));
    expect(response.status).toBe(200);
    expect((await emailRow(emailId))?.status).toBe('delivered');
    expect(await counter('firehose:refused')).toBe(before + 2);
  });

  it('answers 503 when an event cannot be recorded (database binding missing), so Firehose retries', async () => {
    const emailId = crypto.randomUUID();
    await env.ADMIN_DB.prepare(
      "INSERT INTO organizations (id, name, database_binding, created_at) VALUES ('org-gone', 'Gone', 'ORG_DB_GONE', 0) ON CONFLICT DO NOTHING",
    ).run();
    await env.ADMIN_DB.prepare("INSERT INTO email_message_lookup VALUES (?, 'org-gone', ?, 0)")
      .bind(`ses-${emailId}`, emailId)
      .run();
    const body = buildFirehoseRequestBody([record('Delivery', `ses-${emailId}`)], {
      requestId: 'req-503',
      timestamp: new Date(),
    });
    const response = await postFirehose(JSON.stringify(body));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      requestId: 'req-503',
      errorMessage: expect.stringMatching(/could not be recorded/),
    });
  });
});

describe('Firehose HTTP endpoint, refusals (nothing written)', () => {
  const good = () =>
    JSON.stringify(buildFirehoseRequestBody([record('Delivery', 'ses-unknown')], { timestamp: new Date() }));

  it.each([
    ['a wrong key', 401, { key: 'wrong-key-0123456789abcdef0123456789' }],
    ['no key header', 401, { key: null }],
    ['no key configured', 403, { env: { KURATCHI_FIREHOSE_ACCESS_KEY: undefined } }],
  ] as const)('%s: answers %i', async (_name, status, options) => {
    const before = await writes();
    const response = await postFirehose(good(), options as never);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ requestId: 'header-request-id', errorMessage: expect.any(String) });
    expect(await writes()).toBe(before);
  });

  it.each([
    ['no key', { key: null }],
    ['a wrong key', { key: 'wrong-key-0123456789abcdef0123456789' }],
    ['the right key', {}],
  ] as const)('a bad setting: 503 to a caller with %s, naming no setting; the log names it', async (_name, options) => {
    const before = await writes();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const badKey = 'too-short';
    const response = await postFirehose(good(), {
      ...options,
      env: { KURATCHI_FIREHOSE_ACCESS_KEY: badKey, KURATCHI_PARK_TTL_HOURS: '-3' },
    });
    const logged = error.mock.calls.map((call) => String(call[0]));
    vi.restoreAllMocks();
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      requestId: 'header-request-id',
      timestamp: expect.any(Number),
      errorMessage: 'misconfigured: the endpoint is unavailable until its settings are fixed',
    });
    expect(text).not.toMatch(/KURATCHI|PARK|settings:|too-short|-3/);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({
      msg: 'ses-firehose',
      outcome: 'misconfigured',
      status: 503,
      detail: expect.stringMatching(/^invalid firehose settings: KURATCHI_FIREHOSE_ACCESS_KEY: /),
    });
    expect(await writes()).toBe(before);
  });

  it.each([
    ['not JSON', 400, 'nope', {}],
    ['no records', 400, JSON.stringify({ requestId: 'r', timestamp: 1 }), {}],
    ['gzip declared, not gzip', 400, good(), { 'content-encoding': 'gzip' }],
    ['another encoding', 415, good(), { 'content-encoding': 'br' }],
    ['declared too large', 413, good(), { 'content-length': String(64 * 1024 * 1024) }],
  ] as const)('%s: answers %i', async (_name, status, body, headers) => {
    const before = await writes();
    const response = await postFirehose(body, { headers });
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ requestId: 'header-request-id', errorMessage: expect.any(String) });
    expect(await writes()).toBe(before);
  });
});

function recordingQueue(fail = false) {
  const sent: unknown[][] = [];
  return {
    sent,
    binding: {
      async send() {
        throw new Error('not used');
      },
      async sendBatch(messages: Array<{ body: unknown; contentType?: string }>) {
        if (fail) throw new Error('Queue sendBatch failed: Service Unavailable');
        expect(messages.length).toBeLessThanOrEqual(100);
        expect(messages.every((m) => m.contentType === 'json')).toBe(true);
        sent.push(messages.map((m) => m.body));
      },
    },
  };
}

describe('Firehose HTTP endpoint, queued mode', () => {
  it('enqueues every event in sendBatch calls of ≤100 (D1 untouched), the consumer records them once', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const opens = Array.from({ length: 150 }, (_, i) => record('Open', sesMessageId, i));
    const queue = recordingQueue();
    const before = await writes();
    const body = JSON.stringify(
      buildFirehoseRequestBody([record('Delivery', sesMessageId), ...opens], { timestamp: new Date() }),
    );
    const response = await postFirehose(body, { env: { SES_EVENTS_QUEUE: queue.binding } });
    expect(response.status).toBe(200);
    expect(queue.sent.map((batch) => batch.length)).toEqual([100, 51]);
    expect(await writes()).toBe(before);

    // Firehose delivers the same request again: queued again, recorded once.
    await postFirehose(body, { env: { SES_EVENTS_QUEUE: queue.binding } });
    for (const bodies of queue.sent) {
      const batch = createMessageBatch(
        'kuratchi-ses-events',
        bodies.map((b, i) => ({ id: `m-${crypto.randomUUID()}-${i}`, timestamp: new Date(), attempts: 1, body: b })),
      );
      const ctx = createExecutionContext();
      await worker.queue!(batch as never, env as never, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.retryMessages).toEqual([]);
    }
    expect(await emailRow(emailId)).toEqual({ status: 'delivered', open_count: 150 });
    expect(await eventCount(emailId)).toBe(151);
  });

  it('answers 503 when the queue refuses, so Firehose retries', async () => {
    const queue = recordingQueue(true);
    const body = JSON.stringify(
      buildFirehoseRequestBody([record('Delivery', 'ses-x')], { requestId: 'req-q', timestamp: new Date() }),
    );
    const response = await postFirehose(body, { env: { SES_EVENTS_QUEUE: queue.binding } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      requestId: 'req-q',
      errorMessage: expect.stringMatching(/queue send failed/),
    });
  });
});

async function counter(name: string): Promise<number> {
  const row = await env.ADMIN_DB.prepare('SELECT count FROM ingestion_counters WHERE name = ?')
    .bind(name)
    .first<{ count: number }>();
  return row?.count ?? 0;
}
