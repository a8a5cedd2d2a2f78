import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { ORGS, seedOrganizations } from '../../../../test/seed.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  enabledWebhookEndpoints,
  listWebhookEndpoints,
  rotateWebhookSecret,
} from './d1-webhook-endpoints.js';
import { WebhookEndpointError } from './errors.js';

const db = env.ADMIN_DB;
const now = TEST_NOW.getTime();
const HOUR = 3_600_000;

async function codeOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof WebhookEndpointError) return error.code;
    throw error;
  }
  return 'no error';
}

async function count(): Promise<number> {
  return (await db.prepare('SELECT COUNT(*) AS n FROM webhook_endpoints').first<{ n: number }>())!.n;
}

beforeAll(seedOrganizations);

describe('webhook endpoints in the admin database', () => {
  it('registers an endpoint with its event types and a secret shown once', async () => {
    const { endpoint, secret } = await createWebhookEndpoint(db, {
      organizationId: ORGS.acme,
      url: 'https://hooks.acme.example/kuratchi',
      eventTypes: ['email.bounced', 'email.delivered'],
      now,
    });
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint).toMatchObject({
      organizationId: ORGS.acme,
      url: 'https://hooks.acme.example/kuratchi',
      eventTypes: ['email.bounced', 'email.delivered'],
      disabledReason: null,
      createdAt: now,
    });
    expect(await listWebhookEndpoints(db, ORGS.acme)).toContainEqual(endpoint);
    expect(JSON.stringify(await listWebhookEndpoints(db, ORGS.acme))).not.toContain(secret);
  });

  it('writes nothing for a refused URL or event type', async () => {
    const before = await count();
    const base = { organizationId: ORGS.acme, now, eventTypes: ['email.sent'] };
    expect(await codeOf(() => createWebhookEndpoint(db, { ...base, url: 'http://hooks.acme.example/' }))).toBe(
      'invalid-url',
    );
    expect(await codeOf(() => createWebhookEndpoint(db, { ...base, url: 'https://10.0.0.8/' }))).toBe('invalid-url');
    const url = 'https://hooks.acme.example/';
    expect(await codeOf(() => createWebhookEndpoint(db, { ...base, url, eventTypes: [] }))).toBe('invalid-event-types');
    expect(await codeOf(() => createWebhookEndpoint(db, { ...base, url, eventTypes: ['email.lost'] }))).toBe(
      'invalid-event-types',
    );
    expect(await count()).toBe(before);
  });

  it('rotates: both secrets sign for the grace period, then only the new one', async () => {
    const { endpoint, secret: first } = await createWebhookEndpoint(db, {
      organizationId: ORGS.globex,
      url: 'https://hooks.globex.example/',
      eventTypes: ['email.opened'],
      now,
    });
    const ref = { organizationId: ORGS.globex, id: endpoint.id };
    const signing = async (at: number) =>
      (await enabledWebhookEndpoints(db, [ORGS.globex], at)).find((e) => e.id === endpoint.id)?.secrets;
    expect(await signing(now)).toEqual([first]);
    const rotated = await rotateWebhookSecret(db, { ...ref, now, graceMs: 24 * HOUR });
    expect(rotated.previousSecretExpiresAt).toBe(now + 24 * HOUR);
    expect(await signing(now + 24 * HOUR - 1)).toEqual([rotated.secret, first]);
    expect(await signing(now + 24 * HOUR)).toEqual([rotated.secret]);
    const again = await rotateWebhookSecret(db, { ...ref, now: now + HOUR, graceMs: 24 * HOUR });
    expect(await signing(now + HOUR)).toEqual([again.secret, rotated.secret]);
  });

  it('keeps organisations apart: another organisation can neither list nor change an endpoint', async () => {
    const { endpoint } = await createWebhookEndpoint(db, {
      organizationId: ORGS.acme,
      url: 'https://hooks.acme.example/private',
      eventTypes: ['email.sent'],
      now,
    });
    expect((await listWebhookEndpoints(db, ORGS.globex)).map((e) => e.id)).not.toContain(endpoint.id);
    const foreign = { organizationId: ORGS.globex, id: endpoint.id };
    expect(await codeOf(() => rotateWebhookSecret(db, { ...foreign, now, graceMs: HOUR }))).toBe('not-found');
    expect(await codeOf(() => deleteWebhookEndpoint(db, foreign))).toBe('not-found');
    expect(await codeOf(() => enableWebhookEndpoint(db, foreign))).toBe('not-found');
    expect((await listWebhookEndpoints(db, ORGS.acme)).map((e) => e.id)).toContain(endpoint.id);
  });

  it('lists only enabled endpoints for delivery; enabling again brings one back; deleting removes it', async () => {
    const { endpoint } = await createWebhookEndpoint(db, {
      organizationId: ORGS.initech,
      url: 'https://hooks.initech.example/',
      eventTypes: ['email.sent'],
      now,
    });
    const ref = { organizationId: ORGS.initech, id: endpoint.id };
    const ids = async () => (await enabledWebhookEndpoints(db, [ORGS.initech, ORGS.initech], now)).map((e) => e.id);
    expect(await ids()).toEqual([endpoint.id]);
    await db.prepare(`UPDATE webhook_endpoints SET disabled_reason = 'gone' WHERE id = ?`).bind(endpoint.id).run();
    expect(await ids()).toEqual([]);
    expect((await listWebhookEndpoints(db, ORGS.initech))[0]!.disabledReason).toBe('gone');
    await enableWebhookEndpoint(db, ref);
    expect(await ids()).toEqual([endpoint.id]);
    await deleteWebhookEndpoint(db, ref);
    expect(await listWebhookEndpoints(db, ORGS.initech)).toEqual([]);
    expect(await enabledWebhookEndpoints(db, [], now)).toEqual([]);
  });
});
