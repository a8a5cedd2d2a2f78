import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, seedOrganizations } from '../../../../test/support.js';
import { addUser, getPage, postForm, signInCookie } from '../../../../test/forms.js';

// The Webhooks page of the built Worker: an organisation's admin registers endpoints (https, no
// private address: the test Worker runs with KURATCHI_ENVIRONMENT=production), rotates their
// secrets and deletes them; another organisation's admin neither sees nor changes them.
const PASSWORD = 'a long password for webhooks';

async function adminOf(organizationId: string): Promise<string> {
  const email = `hooks-${crypto.randomUUID()}@example.test`;
  await addUser(email, PASSWORD, { organizationId });
  return signInCookie(email, PASSWORD);
}

async function rows(organizationId: string) {
  const { results } = await env.ADMIN_DB.prepare(
    'SELECT id, url, event_types, secret, previous_secret FROM webhook_endpoints WHERE organization_id = ?',
  )
    .bind(organizationId)
    .all<{ id: string; url: string; event_types: string; secret: string; previous_secret: string | null }>();
  return results;
}

/** Form fields with a repeated `eventType` field, as the checkboxes send them. */
function registration(url: string, types: string[]): URLSearchParams {
  const fields = new URLSearchParams({ url });
  for (const type of types) fields.append('eventType', type);
  return fields;
}

beforeAll(seedOrganizations);

describe('/webhooks: an organisation’s endpoints', () => {
  it('registers an endpoint, shows its secret once, lists it, rotates and deletes it', async () => {
    const cookie = await adminOf(ORGS.globex);
    const url = 'https://hooks.globex.example/kuratchi';
    const done = await postForm('/webhooks?/register', registration(url, ['email.bounced', 'email.delivered']), {
      cookie,
    });
    expect(done.status).toBe(200);
    const [row] = await rows(ORGS.globex);
    expect(row).toMatchObject({ url, event_types: '["email.bounced","email.delivered"]', previous_secret: null });
    expect(await done.text()).toContain(row!.secret);

    const page = await (await getPage('/webhooks', { cookie })).text();
    expect(page).toContain(url);
    expect(page).not.toContain(row!.secret);

    const rotated = await postForm('/webhooks?/rotate', new URLSearchParams({ id: row!.id }), { cookie });
    expect(rotated.status).toBe(200);
    const [after] = await rows(ORGS.globex);
    expect(after!.previous_secret).toBe(row!.secret);
    expect(await rotated.text()).toContain(after!.secret);

    expect((await postForm('/webhooks?/delete', new URLSearchParams({ id: row!.id }), { cookie })).status).toBe(200);
    expect(await rows(ORGS.globex)).toEqual([]);
  });

  it('refuses http, private addresses and no event type with 400, writing nothing', async () => {
    const cookie = await adminOf(ORGS.acme);
    const before = (await rows(ORGS.acme)).length;
    const cases: Array<[URLSearchParams, RegExp]> = [
      [registration('http://hooks.acme.example/', ['email.sent']), /must use https/],
      [registration('http://127.0.0.1:8862/', ['email.sent']), /must use https/],
      [registration('https://169.254.169.254/', ['email.sent']), /private, loopback or link-local/],
      [registration('https://hooks.acme.example/', []), /at least one event type/],
    ];
    for (const [fields, message] of cases) {
      const answer = await postForm('/webhooks?/register', fields, { cookie });
      expect([fields.get('url'), answer.status]).toEqual([fields.get('url'), 400]);
      expect(await answer.text()).toMatch(message);
    }
    expect((await rows(ORGS.acme)).length).toBe(before);
  });

  it('keeps organisations apart: another organisation’s admin cannot see, rotate or delete an endpoint', async () => {
    const acme = await adminOf(ORGS.acme);
    const globex = await adminOf(ORGS.globex);
    const url = 'https://hooks.acme.example/only-acme';
    expect((await postForm('/webhooks?/register', registration(url, ['email.sent']), { cookie: acme })).status).toBe(
      200,
    );
    const row = (await rows(ORGS.acme)).find((r) => r.url === url)!;
    expect(await (await getPage('/webhooks', { cookie: globex })).text()).not.toContain(url);
    const id = new URLSearchParams({ id: row.id });
    expect((await postForm('/webhooks?/rotate', id, { cookie: globex })).status).toBe(404);
    expect((await postForm('/webhooks?/delete', id, { cookie: globex })).status).toBe(404);
    expect((await rows(ORGS.acme)).find((r) => r.url === url)).toEqual(row);
  });

  it('shows an endpoint’s deliveries to its organisation only; replay says when webhooks are off', async () => {
    const acme = await adminOf(ORGS.acme);
    const url = `https://hooks.acme.example/deliveries-${crypto.randomUUID()}`;
    await postForm('/webhooks?/register', registration(url, ['email.delivered']), { cookie: acme });
    const { id } = (await rows(ORGS.acme)).find((r) => r.url === url)!;
    await env.ADMIN_DB.prepare(
      `INSERT INTO webhook_deliveries (endpoint_id, webhook_id, event_type, body, status, attempts, answer_status,
       latency_ms, created_at, last_attempt_at) VALUES (?, 'wh-1', 'email.delivered', '{}', 'failed', 11, 503, 42, 1, 2)`,
    )
      .bind(id)
      .run();
    const page = await getPage(`/webhooks/${id}`, { cookie: acme });
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const text of ['data-webhook-id="wh-1"', 'email.delivered', 'failed', '503', '42 ms'])
      expect(html).toContain(text);
    expect((await getPage(`/webhooks/${id}`, { cookie: await adminOf(ORGS.globex) })).status).toBe(404);
    const replay = await postForm(`/webhooks/${id}?/replay`, new URLSearchParams({ webhookId: 'wh-1' }), {
      cookie: acme,
    });
    expect(replay.status).toBe(503);
    expect(await replay.text()).toContain('WEBHOOK_QUEUE is not bound');
  });
});
