import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { Validator } from '@cfworker/json-schema';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticateApiKey, createApiKey, LAST_USE_RESOLUTION_MS } from '../../../lib/server/api/keys';
import { API_OPERATIONS } from '../../../lib/server/api/openapi';
import { API_MAX_BODY_BYTES } from '../../../lib/server/api/route';
import { createApiClient, type SendEmailBody } from '../../../../test/api-client';
import { countingD1 } from '../../../../test/counting-d1';
import { scriptHost } from '../../../../test/fake-http';
import { addUser, getPage, postForm, signInCookie } from '../../../../test/forms';
import { ORGS, post, seedOrganizations, signedEvent, testSigner } from '../../../../test/support';

// The REST API (/api/v1/) on the built Worker: keys made and revoked in the dashboard, each
// organisation's key seeing only its own data (both ways), scopes, the email log's filters and
// paging, the event feed, sending through sendEmail (SES answered by a scripted fake host) with
// Idempotency-Key, suppressions; through a client typed from the OpenAPI document, every answer
// checked against it. Only requests the document cannot express (an unknown path, a streamed body)
// go to the Worker as they are.
const HOST = 'ses.api-v1.test';
const SEND_ENV = {
  KURATCHI_MAIL_FROM: 'no-reply@acme.example',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_ENDPOINT_URL: `https://${HOST}`,
};
const PASSWORD = 'an admin password for the API test';

let signer: SnsSigner;
let openapi: {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
};
const keys = { acmeRead: '', acmeSend: '', globexSend: '' };
let acmeCookie: string;
let globexCookie: string;

/**
 * The typed client (openapi-fetch over the types generated from the OpenAPI document,
 * test/api-client.ts) as `key`, on the built Worker; every answer is checked against the document.
 */
function api(key: string | null, extraEnv: Record<string, unknown> = {}) {
  return createApiClient({ key, fetch: (request) => call(request, extraEnv), check: conforms });
}

/** `request` to the built Worker, answered as is. */
async function call(request: Request, extraEnv: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(request as never, { ...env, ...SEND_ENV, ...extraEnv }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The answer's status and body are those the OpenAPI document declares for this operation. */
async function conforms(response: Response, method: string, route: string) {
  const operation = openapi.paths[route]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${route} is not in the OpenAPI document`);
  const declared = operation.responses[String(response.status)];
  expect(declared, `${method} ${route} answered ${response.status}, not in the document`).toBeDefined();
  const [type, media] = Object.entries(declared!.content ?? {})[0] ?? [];
  if (!type) return;
  expect(response.headers.get('content-type')).toBe(type);
  const schema = JSON.parse(
    JSON.stringify(media!.schema).replaceAll('#/components/schemas/Problem', '#/$defs/Problem'),
  );
  const result = new Validator(
    { ...schema, $defs: { Problem: openapi.components.schemas.Problem } },
    '2020-12',
  ).validate(await response.json());
  expect(result.errors, `${method} ${route} ${response.status}`).toEqual([]);
}

/** Creates a key on the API keys page as the signed-in admin; the key the page shows once. */
async function createKeyOnPage(cookie: string, name: string, scope: 'read' | 'send'): Promise<string> {
  const answer = await postForm('/settings/api-keys?/create', { name, scopes: scope }, { cookie });
  expect(answer.status).toBe(200);
  const key = /value="(kuratchi_[a-z0-9]{16}_[A-Za-z0-9_-]{43})"/.exec(await answer.text())?.[1];
  if (!key) throw new Error('no key on the page');
  return key;
}

beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
  const acmeAdmin = `api-acme-${crypto.randomUUID()}@acme.test`;
  const globexAdmin = `api-globex-${crypto.randomUUID()}@globex.test`;
  await addUser(acmeAdmin, PASSWORD, { organizationId: ORGS.acme });
  await addUser(globexAdmin, PASSWORD, { organizationId: ORGS.globex });
  acmeCookie = await signInCookie(acmeAdmin, PASSWORD);
  globexCookie = await signInCookie(globexAdmin, PASSWORD);
  keys.acmeRead = await createKeyOnPage(acmeCookie, 'acme reader', 'read');
  const now = Date.now();
  for (const [name, organizationId] of [
    ['acmeSend', ORGS.acme],
    ['globexSend', ORGS.globex],
  ] as const) {
    keys[name] = (
      await createApiKey(env.ADMIN_DB, { organizationId, name, scopes: ['read', 'send'], createdBy: null, now })
    ).key;
  }
  const document = await getPage('/api/v1/openapi.json');
  expect(document.status).toBe(200);
  openapi = await document.json();
});

/** Sends through the API; SES answers `messageId`. */
async function send(
  key: string,
  messageId: string,
  body: Partial<SendEmailBody> & Pick<SendEmailBody, 'to'>,
  headers: Record<string, string> = {},
) {
  await scriptHost(HOST, [{ method: 'POST', pathPrefix: '/v2/email/outbound-emails', json: { MessageId: messageId } }]);
  return api(key).POST('/api/v1/emails', { body: { subject: 'Hello', text: 'Hi', ...body }, headers });
}

describe('API keys', () => {
  it('are shown once, listed without the key, and refused once revoked (401 problem)', async () => {
    const page = await (await getPage('/settings/api-keys', { cookie: acmeCookie })).text();
    expect(page).toContain('acme reader');
    expect(page).not.toContain(keys.acmeRead);
    const stored = await env.ADMIN_DB.prepare('SELECT key_hash AS hash FROM api_keys').all<{ hash: string }>();
    expect(stored.results.every((row) => /^[0-9a-f]{64}$/.test(row.hash))).toBe(true);

    const doomed = await createKeyOnPage(acmeCookie, 'doomed', 'read');
    expect((await api(doomed).GET('/api/v1/emails')).response.status).toBe(200);
    const id = /^kuratchi_([a-z0-9]{16})_/.exec(doomed)![1]!;
    // Another organisation's admin cannot revoke it: not found there.
    expect((await postForm('/settings/api-keys?/revoke', { id }, { cookie: globexCookie })).status).toBe(404);
    expect((await api(doomed).GET('/api/v1/emails')).response.status).toBe(200);
    expect((await postForm('/settings/api-keys?/revoke', { id }, { cookie: acmeCookie })).status).toBe(200);
    const refused = await api(doomed).GET('/api/v1/emails');
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ title: 'unauthorized', status: 401 });
    expect(refused.response.headers.get('www-authenticate')).toContain('Bearer');
    for (const bad of [
      null,
      'kuratchi_nope',
      `${keys.acmeRead.slice(0, -1)}${keys.acmeRead.endsWith('x') ? 'y' : 'x'}`,
    ]) {
      expect((await api(bad).GET('/api/v1/events')).response.status).toBe(401);
    }
  });

  it('records the last use at most once a minute (time as an input)', async () => {
    const now = Date.UTC(2026, 11, 6, 12);
    const { key, summary } = await createApiKey(env.ADMIN_DB, {
      organizationId: ORGS.acme,
      name: 'clock',
      scopes: ['read'],
      createdBy: null,
      now,
    });
    const lastUsed = async () =>
      (await env.ADMIN_DB.prepare('SELECT last_used_at AS t FROM api_keys WHERE id = ?')
        .bind(summary.id)
        .first<{ t: number }>())!.t;
    await authenticateApiKey(env.ADMIN_DB, key, now);
    expect(await lastUsed()).toBe(now);
    await authenticateApiKey(env.ADMIN_DB, key, now + LAST_USE_RESOLUTION_MS - 1);
    expect(await lastUsed()).toBe(now);
    // A wrong secret for this key's id is refused and records no use.
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect(await authenticateApiKey(env.ADMIN_DB, wrong, now + 2 * LAST_USE_RESOLUTION_MS)).toBeNull();
    expect(await lastUsed()).toBe(now);
    await authenticateApiKey(env.ADMIN_DB, key, now + LAST_USE_RESOLUTION_MS);
    expect(await lastUsed()).toBe(now + LAST_USE_RESOLUTION_MS);
  });

  it('limit what a key may do to its scopes (403 problem, nothing written)', async () => {
    const refused = await send(keys.acmeRead, 'ses-never', { to: 'scope@example.com' });
    expect(refused.response.status).toBe(403);
    expect(refused.error).toMatchObject({ title: 'insufficient-scope' });
    const suppress = await api(keys.acmeRead).POST('/api/v1/suppressions', { body: { address: 'x@example.com' } });
    expect(suppress.response.status).toBe(403);
    expect(
      await env.ORG_DB_ACME.prepare("SELECT count(*) AS n FROM emails WHERE recipient = 'scope@example.com'").first(
        'n',
      ),
    ).toBe(0);
  });
});

describe('one organisation’s key never sees another’s data (both ways)', () => {
  it('lists, reads, feeds and suppresses only its own organisation', async () => {
    const acme = (await send(keys.acmeSend, `ses-acme-${crypto.randomUUID()}`, { to: 'ann@acme-customer.test' })).data!;
    const globex = (
      await send(keys.globexSend, `ses-globex-${crypto.randomUUID()}`, { to: 'gil@globex-customer.test' })
    ).data!;
    await api(keys.globexSend).POST('/api/v1/suppressions', { body: { address: 'only-globex@example.com' } });
    for (const [key, own, other] of [
      [keys.acmeRead, acme.id, globex.id],
      [keys.globexSend, globex.id, acme.id],
    ] as const) {
      const client = api(key);
      const ids = (await client.GET('/api/v1/emails', { params: { query: { limit: 100 } } })).data!.emails.map(
        (e) => e.id,
      );
      expect(ids).toContain(own);
      expect(ids).not.toContain(other);
      const mine = await client.GET('/api/v1/emails/{id}', { params: { path: { id: own } } });
      expect(mine.response.status).toBe(200);
      const notHere = await client.GET('/api/v1/emails/{id}', { params: { path: { id: other } } });
      expect(notHere.response.status).toBe(404);
      expect(notHere.error).toMatchObject({ title: 'not-found' });
      const feed = (await client.GET('/api/v1/events', { params: { query: { limit: 500 } } })).data!;
      expect(feed.events.some((e) => e.emailId === other)).toBe(false);
    }
    const acmeList = (await api(keys.acmeRead).GET('/api/v1/suppressions')).data!;
    expect(acmeList.suppressions.map((s) => s.address)).not.toContain('only-globex@example.com');
  });
});

describe('GET /api/v1/emails and /api/v1/emails/{id}', () => {
  it('filters like the log, pages stably while emails are sent, and gives outcomes, last event, timeline and links', async () => {
    const type = `receipt-${crypto.randomUUID().slice(0, 8)}`;
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await send(keys.acmeSend, `ses-page-${type}-${i}`, {
        to: `page${i}@example.com`,
        cc: 'cc@example.com',
        emailType: type,
      });
      expect(answer.response.status).toBe(202);
      sent.push(answer.data!.id);
    }
    // Events through the real webhook: the first email delivered to one recipient, bounced by the other, then clicked.
    const messageId = `ses-page-${type}-0`;
    for (const spec of [
      { eventType: 'Delivery', messageId, recipient: 'page0@example.com', time: new Date(Date.now() - 50_000) },
      {
        eventType: 'Bounce',
        messageId,
        recipient: 'cc@example.com',
        bounceType: 'Permanent',
        time: new Date(Date.now() - 40_000),
      },
      { eventType: 'Click', messageId, link: 'https://acme.example/receipt', time: new Date(Date.now() - 30_000) },
    ] as const) {
      expect((await post(await signedEvent(signer, spec as never))).status).toBe(200);
    }
    const reader = api(keys.acmeRead);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: { emailType: string; limit: number; cursor?: string } = { emailType: type, limit: 2 };
      if (cursor) query.cursor = cursor;
      const body = (await reader.GET('/api/v1/emails', { params: { query } })).data!;
      seen.push(...body.emails.map((e) => e.id));
      // A newer email sent between pages is not on a later page and shifts nothing.
      if (page === 0) await send(keys.acmeSend, `ses-page-${type}-late`, { to: 'late@example.com', emailType: type });
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    expect(seen).toEqual([...sent].reverse());

    const first = (await reader.GET('/api/v1/emails', { params: { query: { emailType: type, recipient: 'page0' } } }))
      .data!.emails;
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      id: sent[0],
      recipients: { delivered: 1, bounced: 1 },
      lastEvent: { type: 'Click' },
    });
    const bounced = await reader.GET('/api/v1/emails', { params: { query: { emailType: type, status: 'bounced' } } });
    expect(bounced.data!.emails).toHaveLength(1);
    const detail = (await reader.GET('/api/v1/emails/{id}', { params: { path: { id: sent[0]! } } })).data!;
    expect(detail.recipientList).toEqual([
      expect.objectContaining({ address: 'page0@example.com', kind: 'to', status: 'delivered', suppressed: false }),
      expect.objectContaining({ address: 'cc@example.com', kind: 'cc', status: 'bounced', suppressed: true }),
    ]);
    expect(detail.timeline.map((e) => e.type)).toEqual(['Delivery', 'Bounce', 'Click']);
    expect(detail.links).toEqual([expect.objectContaining({ link: 'https://acme.example/receipt' })]);

    // What the types refuse, the API refuses too (cast past the types on purpose).
    for (const query of [{ limit: 0 }, { status: 'lost' }, { from: 'yesterday' }, { cursor: 'not-a-cursor' }]) {
      const bad = await reader.GET('/api/v1/emails', { params: { query: query as never } });
      expect([query, bad.response.status]).toEqual([query, 400]);
      expect(bad.response.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('GET /api/v1/emails?tag=', () => {
  it('lists the emails sent with a tag (name:value), as stored by sendEmail, and refuses a malformed tag', async () => {
    const campaign = `spring-${crypto.randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    const tagSets: Record<string, string>[] = [{ campaign }, { campaign, lang: 'en' }, { campaign: `${campaign}-x` }];
    for (const [i, tags] of tagSets.entries()) {
      const answer = await send(keys.acmeSend, `ses-tag-${campaign}-${i}`, { to: `tag${i}@example.com`, tags });
      expect(answer.response.status).toBe(202);
      ids.push(answer.data!.id);
    }
    const list = async (key: string, query: { tag: string; recipient?: string; limit?: number }) =>
      (await api(key).GET('/api/v1/emails', { params: { query } })).data!.emails.map((e) => e.id);
    expect(await list(keys.acmeRead, { tag: `campaign:${campaign}` })).toEqual([ids[1], ids[0]]);
    expect(await list(keys.acmeRead, { tag: 'lang:en', recipient: 'tag1' })).toEqual([ids[1]]);
    expect(await list(keys.acmeRead, { tag: `campaign:${campaign}`, limit: 1, recipient: 'tag0' })).toEqual([ids[0]]);
    // Another organisation's key does not see Acme's tagged emails.
    expect(await list(keys.globexSend, { tag: `campaign:${campaign}` })).toEqual([]);
    for (const tag of ['campaign', 'campaign:a b', ':x']) {
      const bad = await api(keys.acmeRead).GET('/api/v1/emails', { params: { query: { tag } } });
      expect([tag, bad.response.status]).toEqual([tag, 400]);
    }
  });
});

describe('GET /api/v1/statistics', () => {
  it('gives each UTC day’s totals from the rollups, kept after the emails are deleted, per organisation', async () => {
    // A day long past, derived from now: only this test's emails are on it.
    const day = Math.floor(Date.now() / 86_400_000) - 400;
    const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
    const at = day * 86_400_000 + 3_600_000;
    const insert = env.ORG_DB_ACME.prepare(
      `INSERT INTO emails (id, recipient, sender, subject, status, sent_at, bounced_at, bounce_type, created_at, updated_at)
       VALUES (?, 'old@example.com', 'sender@example.com', 'Old', ?, ?, ?, ?, ?, ?)`,
    );
    await env.ORG_DB_ACME.batch([
      insert.bind('stats-1', 'sent', at, null, null, at, at),
      insert.bind('stats-2', 'sent', at, null, null, at, at),
      insert.bind('stats-3', 'bounced', at, at + 60_000, 'Permanent', at, at),
    ]);
    const statistics = async (key: string) => {
      const answer = await api(key).GET('/api/v1/statistics', { params: { query: { from: iso, to: iso } } });
      expect(answer.response.status).toBe(200);
      return answer.data!.days;
    };
    const [acme] = await statistics(keys.acmeRead);
    expect(acme).toMatchObject({ day: iso, sent: 3, bounced: 1, bouncedPermanent: 1, delivered: 0 });
    await env.ORG_DB_ACME.prepare(`DELETE FROM emails WHERE id LIKE 'stats-%'`).run();
    expect(await statistics(keys.acmeRead)).toEqual([acme]);
    expect((await statistics(keys.globexSend))[0]).toMatchObject({ day: iso, sent: 0, bounced: 0 });
  });

  it('defaults to the 30 days ending today and refuses a bad range naming it', async () => {
    const days = (await api(keys.acmeRead).GET('/api/v1/statistics')).data!.days;
    expect(days).toHaveLength(30);
    expect(days.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    for (const query of [
      { from: '2026-12-02', to: '2026-12-01' },
      { from: '1990-01-01', to: '2020-01-01' },
      { from: '2026-13-01' },
    ]) {
      const refused = await api(keys.acmeRead).GET('/api/v1/statistics', { params: { query } });
      expect(refused.response.status).toBe(400);
      expect(refused.error).toMatchObject({ title: 'invalid-request' });
    }
  });
});

describe('GET /api/v1/events', () => {
  it('resumes from a stored position: nothing missed, nothing twice, while events arrive', async () => {
    const reader = api(keys.acmeRead);
    const feed = async (after: number, limit?: number) =>
      (await reader.GET('/api/v1/events', { params: { query: { after: String(after), ...(limit ? { limit } : {}) } } }))
        .data!;
    let position = 0;
    for (;;) {
      const page = await feed(position, 500);
      if (!page.events.length) break;
      position = page.position;
    }
    const messageId = `ses-feed-${crypto.randomUUID()}`;
    const { id } = (await send(keys.acmeSend, messageId, { to: 'feed@example.com' })).data!;
    const ids: string[] = [];
    const got: string[] = [];
    for (const eventType of ['Send', 'Delivery', 'Open']) {
      const body = await signedEvent(signer, { eventType, messageId, recipient: 'feed@example.com' } as never);
      ids.push((JSON.parse(body) as { MessageId: string }).MessageId);
      expect((await post(body)).status).toBe(200);
      const page = await feed(position, 1);
      got.push(...page.events.map((e) => e.id));
      expect(page.events.every((e) => e.emailId === id)).toBe(true);
      position = page.position;
    }
    // A duplicate SNS delivery is not a new event.
    expect(
      (
        await post(
          await signedEvent(signer, { eventType: 'Delivery', messageId, recipient: 'feed@example.com' } as never),
        )
      ).status,
    ).toBe(200);
    const rest = await feed(position);
    expect([...got, ...rest.events.map((e) => e.id)].slice(0, 3)).toEqual(ids);
    const bad = await reader.GET('/api/v1/events', { params: { query: { after: '-1' } } });
    expect(bad.response.status).toBe(400);
  });
});

describe('POST /api/v1/emails', () => {
  it('honours Idempotency-Key: same body → the first answer, other body → 422', async () => {
    const key = { 'idempotency-key': crypto.randomUUID() };
    const first = await send(keys.acmeSend, 'ses-idem-1', { to: 'idem@example.com' }, key);
    expect(first.response.status).toBe(202);
    const again = await send(keys.acmeSend, 'ses-idem-2', { to: 'idem@example.com' }, key);
    expect(again.response.status).toBe(202);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data).toEqual(first.data);
    expect(
      await env.ORG_DB_ACME.prepare("SELECT count(*) AS n FROM emails WHERE recipient = 'idem@example.com'").first('n'),
    ).toBe(1);
    const other = await send(keys.acmeSend, 'ses-idem-3', { to: 'other@example.com' }, key);
    expect(other.response.status).toBe(422);
    expect(other.error).toMatchObject({ title: 'idempotency-key-reused' });
  });

  it('applies the suppression list; refuses bad bodies naming the field, writing nothing', async () => {
    const sender = api(keys.acmeSend);
    await sender.POST('/api/v1/suppressions', { body: { address: 'Blocked@Example.com', detail: 'asked us' } });
    const refused = await send(keys.acmeSend, 'ses-blocked', { to: 'blocked@example.com' });
    expect(refused.response.status).toBe(422);
    expect(refused.error).toMatchObject({ title: 'recipient-suppressed', suppressed: ['blocked@example.com'] });
    const list = (await api(keys.acmeRead).GET('/api/v1/suppressions', { params: { query: { reason: 'manual' } } }))
      .data!;
    expect(list.suppressions.map((s) => s.address)).toContain('blocked@example.com');
    const remove = () =>
      sender.DELETE('/api/v1/suppressions/{address}', { params: { path: { address: 'blocked@example.com' } } });
    expect((await remove()).response.status).toBe(204);
    expect((await remove()).response.status).toBe(404);

    const before = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM emails').first('n');
    for (const [body, path] of [
      [{ to: 'not-an-address', subject: 'x', text: 'y' }, 'body.to'],
      [{ to: 'a@example.com', subject: 'x', text: 'y', canary: true }, 'body'],
      [{ to: 'a@example.com', subject: 'x' }, 'body.html'],
    ] as const) {
      const answer = await sender.POST('/api/v1/emails', { body: body as SendEmailBody });
      expect(answer.response.status).toBe(400);
      const problem = answer.error as unknown as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toContain(path);
    }
    const form = await sender.POST('/api/v1/emails', {
      body: 'to=a' as never,
      bodySerializer: (body) => body as unknown as string,
      headers: { 'content-type': 'text/plain' },
    });
    expect(form.response.status).toBe(415);
    expect(await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM emails').first('n')).toBe(before);
  });
});

describe('answers outside the routes’ own', () => {
  it('refuses a POST body over 1 MiB with 413 (by Content-Length, or counted when streamed), writing nothing', async () => {
    const before = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM emails').first('n');
    const big = { to: 'big@example.com', subject: 'x', text: 'y'.repeat(API_MAX_BODY_BYTES) };
    const sized = await api(keys.acmeSend).POST('/api/v1/emails', { body: big });
    expect(sized.response.status).toBe(413);
    expect(sized.error).toMatchObject({ title: 'content-too-large', maxBytes: API_MAX_BODY_BYTES });
    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const streamed = new Request('http://127.0.0.1/api/v1/suppressions', {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.acmeSend}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 65_536) controller.enqueue(bytes.slice(at, at + 65_536));
          controller.close();
        },
      }),
    });
    expect(streamed.headers.get('content-length')).toBeNull();
    const answer = await call(streamed);
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM emails').first('n')).toBe(before);
    // Just under the cap is read (and refused for what it says, not for its size).
    const under = { address: 'x'.repeat(API_MAX_BODY_BYTES - 20) };
    expect(new TextEncoder().encode(JSON.stringify(under)).length).toBeLessThanOrEqual(API_MAX_BODY_BYTES);
    expect((await api(keys.acmeSend).POST('/api/v1/suppressions', { body: under })).response.status).toBe(400);
  });

  it('answers an unknown path 404 and an unknown method 405 (with Allow) as problems, after the key check', async () => {
    const auth = { authorization: `Bearer ${keys.acmeRead}` };
    for (const path of ['/api/v1/nope', '/api/v1/emails/x/y', '/api/v1']) {
      const answer = await call(new Request(`http://127.0.0.1${path}`, { headers: auth }));
      expect([path, answer.status, answer.headers.get('content-type')]).toEqual([
        path,
        404,
        'application/problem+json',
      ]);
      expect(await answer.json()).toMatchObject({ title: 'not-found', status: 404 });
    }
    expect((await call(new Request('http://127.0.0.1/api/v1/nope'))).status).toBe(401);
    const put = await call(new Request('http://127.0.0.1/api/v1/emails', { method: 'PUT', headers: auth }));
    expect(put.status).toBe(405);
    expect(put.headers.get('content-type')).toBe('application/problem+json');
    expect(put.headers.get('allow')).toMatch(/GET.*POST|POST.*GET/);
    expect(put.headers.get('ratelimit')).toMatch(/^"per-key"/);
    expect(await put.json()).toMatchObject({ title: 'method-not-allowed', status: 405 });
  });
});

describe('the rate limit per key', () => {
  it('answers RateLimit fields, then 429 with Retry-After past KURATCHI_API_RATE_LIMIT_PER_MINUTE, per key', async () => {
    const limited = { KURATCHI_API_RATE_LIMIT_PER_MINUTE: '2' };
    const newKey = async () =>
      (
        await createApiKey(env.ADMIN_DB, {
          organizationId: ORGS.acme,
          name: 'limited',
          scopes: ['read'],
          createdBy: null,
          now: Date.now(),
        })
      ).key;
    const client = api(await newKey(), limited);
    // Until refused: a window may end between two requests, and the count then starts again.
    const answers: { response: Response; error?: unknown }[] = [];
    while (answers.length < 8 && answers.at(-1)?.response.status !== 429) {
      answers.push(await client.GET('/api/v1/events', { params: { query: { limit: 1 } } }));
    }
    const [first, , last] = answers.slice(-3);
    expect(first!.response.headers.get('ratelimit-policy')).toBe('"per-key";q=2;w=60');
    expect(first!.response.headers.get('ratelimit')).toMatch(/^"per-key";r=1;t=\d+$/);
    expect(last!.response.status).toBe(429);
    expect(last!.error).toMatchObject({ title: 'rate-limited' });
    expect(Number(last!.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.response.headers.get('ratelimit')).toMatch(/^"per-key";r=0;t=\d+$/);
    // Another key of the same organisation has its own count.
    const other = await api(await newKey(), limited).GET('/api/v1/events', { params: { query: { limit: 1 } } });
    expect(other.response.status).toBe(200);
  });
});

describe('the round trips of an API request (counted, not timed)', () => {
  it('lists a page in one admin batch (key, last use, rate limit) and one query of the organisation (emails and their last events)', async () => {
    const admin = countingD1(env.ADMIN_DB);
    const acme = countingD1(env.ORG_DB_ACME);
    const list = () =>
      api(keys.acmeRead, { ADMIN_DB: admin.db, ORG_DB_ACME: acme.db }).GET('/api/v1/emails', {
        params: { query: { limit: 50 } },
      });
    // The first request of an isolate may read where Acme's database lives; the next ones do not.
    expect((await list()).response.status).toBe(200);
    admin.reset();
    acme.reset();
    const page = await list();
    expect(page.response.status).toBe(200);
    expect(page.data!.emails.length).toBeGreaterThan(0);
    // Before: the key's row, its rate-limit window, the organisation's row; the page, its last events.
    expect({ admin: admin.calls(), organization: acme.calls() }).toEqual({ admin: 1, organization: 1 });
  });

  it('starts a known key’s GET beside the key check, a POST only after it', async () => {
    // The admin database's batches wait until released: what the organisation's database is
    // asked meanwhile ran before the key check answered.
    let release = () => {};
    let held = Promise.resolve();
    let batches = 0;
    const hold = () => void (held = new Promise<void>((resolve) => (release = resolve)));
    const admin = {
      prepare: (sql: string) => env.ADMIN_DB.prepare(sql),
      batch: async (statements: D1PreparedStatement[]) => (batches++, await held, env.ADMIN_DB.batch(statements)),
    } as unknown as D1Database;
    const acme = countingD1(env.ORG_DB_ACME);
    const client = api(keys.acmeSend, { ADMIN_DB: admin, ORG_DB_ACME: acme.db });
    expect((await client.GET('/api/v1/emails', { params: { query: { limit: 5 } } })).response.status).toBe(200);

    hold();
    acme.reset();
    const page = client.GET('/api/v1/emails', { params: { query: { limit: 5 } } });
    await vi.waitFor(() => expect(acme.calls()).toBe(1), { timeout: 10_000, interval: 5 });
    release();
    expect((await page).response.status).toBe(200);

    hold();
    acme.reset();
    const added = client.POST('/api/v1/suppressions', { body: { address: 'held-post@example.com' } });
    await vi.waitFor(() => expect(batches).toBe(3), { timeout: 10_000, interval: 5 });
    await new Promise((resolve) => setTimeout(resolve, 0)); // a turn for a route that started early
    const beforeRelease = acme.calls();
    release();
    expect((await added).response.status).toBe(201);
    expect({ beforeRelease, after: acme.calls() > 0 }).toEqual({ beforeRelease: 0, after: true });
  });

  it('counts nothing against a key for a request with a wrong secret or after revocation', async () => {
    const { key, summary } = await createApiKey(env.ADMIN_DB, {
      organizationId: ORGS.acme,
      name: 'counted',
      scopes: ['read'],
      createdBy: null,
      now: Date.now(),
    });
    const counted = async () =>
      env.ADMIN_DB.prepare('SELECT coalesce(sum(requests), 0) AS n FROM api_rate_windows WHERE api_key_id = ?')
        .bind(summary.id)
        .first<number>('n');
    expect((await api(key).GET('/api/v1/events', { params: { query: { limit: 1 } } })).response.status).toBe(200);
    expect(await counted()).toBe(1);
    const wrong = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    expect((await api(wrong).GET('/api/v1/events', { params: { query: { limit: 1 } } })).response.status).toBe(401);
    expect(await counted()).toBe(1);
    await env.ADMIN_DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').bind(Date.now(), summary.id).run();
    expect((await api(key).GET('/api/v1/events', { params: { query: { limit: 1 } } })).response.status).toBe(401);
    expect(await counted()).toBe(1);
  });
});

describe('a removed organisation', () => {
  it('has its keys refused at once, though the isolate has cached where its database lives', async () => {
    const organizationId = `org-api-removed-${crypto.randomUUID().slice(0, 8)}`;
    await env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, 'Removed', 'durable-object', 'ORG_DO', 0)`,
    )
      .bind(organizationId)
      .run();
    const { key } = await createApiKey(env.ADMIN_DB, {
      organizationId,
      name: 'gone',
      scopes: ['read'],
      createdBy: null,
      now: Date.now(),
    });
    const feed = () => api(key).GET('/api/v1/events', { params: { query: { limit: 1 } } });
    expect((await feed()).response.status).toBe(200);
    await env.ADMIN_DB.prepare("UPDATE organizations SET removed_at = ?, removed_by = 'api-test' WHERE id = ?")
      .bind(Date.now(), organizationId)
      .run();
    const refused = await feed();
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ title: 'unauthorized' });
  });
});

describe('the OpenAPI document', () => {
  it('has every route file’s every method, and nothing else', () => {
    const files = import.meta.glob('./**/+server.ts', { query: '?raw', import: 'default', eager: true }) as Record<
      string,
      string
    >;
    const routes = Object.entries(files)
      .filter(([file]) => !file.includes('openapi.json'))
      .flatMap(([file, source]) => {
        const path = `/api/v1${file
          .slice(1)
          .replace('/+server.ts', '')
          .replace(/\[(\w+)\]/g, '{$1}')}`;
        return [...source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE)\b/gm)].map(
          ([, m]) => `${m!.toLowerCase()} ${path}`,
        );
      });
    expect(routes.length).toBeGreaterThan(5);
    const documented = Object.entries(openapi.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path}`),
    );
    expect(routes.sort()).toEqual(documented.sort());
    expect(API_OPERATIONS.map((o) => `${o.method} ${o.path}`).sort()).toEqual(documented.sort());
  });
});
