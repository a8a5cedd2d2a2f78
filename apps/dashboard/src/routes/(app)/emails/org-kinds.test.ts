import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../lib/server/auth/sessions';
import {
  initechDatabase,
  ORGS,
  post,
  releaseD1Binding,
  seedOrganizations,
  sentEmail,
  signedEvent,
  testSigner,
} from '../../../../test/support.js';
import { addUser, APP_ORIGIN } from '../../../../test/forms.js';

/**
 * The dashboard on each kind of organisation database, through the real build: Acme on its D1
 * binding, Initech on its Durable Object (ORG_DO). The webhook records into either, and the log,
 * an email's detail, the CSV export and the overview answer the same pages for both; an
 * organisation being moved (`kuratchi-ses org migrate`) answers 503 on its pages, and its events
 * are parked until the move ends.
 */
const KINDS = [
  { kind: 'd1', organizationId: ORGS.acme, db: () => env.ORG_DB_ACME },
  { kind: 'durable-object', organizationId: ORGS.initech, db: initechDatabase },
] as const;

let signer: SnsSigner;
const seen = new Map<string, { email: Awaited<ReturnType<typeof sentEmail>>; cookie: string }>();

async function sessionOf(organizationId: string): Promise<string> {
  const userId = await addUser(`kinds-${crypto.randomUUID()}@example.test`, 'pw', { organizationId });
  const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId }, Date.now());
  return `kuratchi_session=${token}`;
}

async function get(path: string, cookie: string, overrides: Record<string, unknown> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}${path}`, { headers: { cookie, accept: 'text/html' }, redirect: 'manual' });
  const response = await worker.fetch!(request as never, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
  for (const { organizationId, db } of KINDS) {
    const email = await sentEmail(db(), organizationId);
    const at = Date.now() - 120_000;
    for (const [i, eventType] of (['Send', 'Delivery', 'Open'] as const).entries()) {
      const body = await signedEvent(signer, {
        eventType,
        messageId: email.sesMessageId,
        recipient: email.recipient,
        time: new Date(at + i * 1000),
      });
      const response = await post(body);
      expect(response.status, `${organizationId} ${eventType}`).toBe(200);
    }
    seen.set(organizationId, { email, cookie: await sessionOf(organizationId) });
  }
});

/** A page or CSV line with what differs between the two organisations' emails taken out. */
function shapeOf(text: string, organizationId: string): string {
  const { email } = seen.get(organizationId)!;
  return text
    .replaceAll(email.sesMessageId, 'SES-ID')
    .replaceAll(email.recipient, 'RECIPIENT')
    .replaceAll(email.emailId, 'EMAIL-ID')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME');
}

describe.each(KINDS)('the dashboard for an organisation on $kind', ({ organizationId, db }) => {
  it('the webhook recorded the events in its own database', async () => {
    const { email } = seen.get(organizationId)!;
    const row = await db()
      .prepare('SELECT status, open_count AS opens FROM emails WHERE id = ?')
      .bind(email.emailId)
      .first();
    expect(row).toEqual({ status: 'delivered', opens: 1 });
    // And nowhere else.
    for (const other of KINDS.filter((k) => k.organizationId !== organizationId)) {
      expect(await other.db().prepare('SELECT id FROM emails WHERE id = ?').bind(email.emailId).first()).toBeNull();
    }
  });

  it('the log lists the email and its detail shows the timeline', async () => {
    const { email, cookie } = seen.get(organizationId)!;
    const log = await get('/emails', cookie);
    expect(log.status).toBe(200);
    expect(await log.text()).toContain(`/emails/${email.emailId}`);
    const detail = await get(`/emails/${email.emailId}`, cookie);
    expect(detail.status).toBe(200);
    const html = await detail.text();
    for (const eventType of ['Send', 'Delivery', 'Open']) expect(html).toContain(eventType);
    expect(html).toContain(email.recipient);
  });

  it('the CSV export holds the email; the overview answers', async () => {
    const { email, cookie } = seen.get(organizationId)!;
    const csv = await get('/emails/export.csv', cookie);
    expect(csv.status).toBe(200);
    expect((await csv.text()).split('\r\n').find((line) => line.includes(email.emailId))).toContain('delivered');
    const overview = await get('/emails/overview', cookie);
    expect(overview.status).toBe(200);
  });
});

describe('both kinds answer the same pages', () => {
  it("the email's CSV line, per email and per recipient, and its detail page are the same but for its own values", async () => {
    const shapes = [];
    for (const { organizationId } of KINDS) {
      const { email, cookie } = seen.get(organizationId)!;
      const line = async (path: string) =>
        (await (await get(path, cookie)).text()).split('\r\n').find((l) => l.includes(email.emailId)) ?? '';
      const detail = await (await get(`/emails/${email.emailId}`, cookie)).text();
      shapes.push({
        csv: shapeOf(await line('/emails/export.csv'), organizationId),
        perRecipient: shapeOf(await line('/emails/export.csv?per=recipient'), organizationId),
        timeline: ['Send', 'Delivery', 'Open'].map((eventType) => detail.includes(eventType)),
      });
    }
    expect(shapes[0]!.csv).toContain('delivered');
    expect(shapes[1]).toEqual(shapes[0]);
  });
});

describe("an organisation's admin sees its own event counters, never the deployment's (other tenants' volume)", () => {
  it('each overview counts its 3 events, not the 6 of both, and has no deployment column', async () => {
    for (const { organizationId } of KINDS) {
      const html = await (await get('/emails/overview', seen.get(organizationId)!.cookie)).text();
      expect(/data-counter="applied"[^>]*>(\d+)</.exec(html)?.[1], organizationId).toBe('3');
      expect(html).not.toMatch(/data-deployment-counter|data-scope="deployment"|data-counter="verified"/);
    }
  });

  it('names a bad setting (which the endpoints answer no caller) to a superadmin only', async () => {
    const bad = { KURATCHI_FIREHOSE_ACCESS_KEY: 'too-short' };
    const problem = 'invalid firehose settings: KURATCHI_FIREHOSE_ACCESS_KEY';
    const admin = await (await get('/emails/overview', seen.get(ORGS.acme)!.cookie, bad)).text();
    expect(admin).not.toContain(problem);
    const userId = await addUser(`root-${crypto.randomUUID()}@example.test`, 'pw', {
      organizationId: ORGS.acme,
      role: 'superadmin',
    });
    const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId: ORGS.acme }, Date.now());
    const root = await (await get('/emails/overview', `kuratchi_session=${token}`, bad)).text();
    expect(root).toMatch(/data-testid="settings-problem"/);
    expect(root).toContain(problem);
    expect(root).toMatch(/data-counter="applied"[^>]*>3</);
    expect(root).toMatch(/data-deployment-counter="applied"[^>]*>6</);
    const fine = await (await get('/emails/overview', `kuratchi_session=${token}`)).text();
    expect(fine).not.toContain('settings-problem');
  });
});

describe('an organisation being moved to its Durable Object', () => {
  it('answers 503 on its pages; the webhook parks its events (200) and the drain after the move applies them', async () => {
    const organizationId = `org-moving-${crypto.randomUUID().slice(0, 8)}`;
    await releaseD1Binding('ORG_DB_GLOBEX'); // Globex's: this file does not use Globex
    await env.ADMIN_DB.prepare(
      `INSERT INTO organizations (id, name, database_binding, database_kind, created_at) VALUES (?, 'Moving', 'ORG_DB_GLOBEX', 'd1', 0)`,
    )
      .bind(organizationId)
      .run();
    const email = await sentEmail(env.ORG_DB_GLOBEX, organizationId);
    const cookie = await sessionOf(organizationId);
    await env.ADMIN_DB.prepare('UPDATE organizations SET moving_since = ? WHERE id = ?')
      .bind(Date.now() - 120_000, organizationId)
      .run();
    const status = () =>
      env.ORG_DB_GLOBEX.prepare('SELECT status FROM emails WHERE id = ?').bind(email.emailId).first('status');

    const page = await get('/emails', cookie);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('being moved');
    const webhook = await post(await signedEvent(signer, { eventType: 'Delivery', messageId: email.sesMessageId }));
    expect(webhook.status).toBe(200);
    expect(await webhook.json()).toMatchObject({ outcome: 'parked' });
    expect(await status()).toBe('pending');
    const held = await env.ADMIN_DB.prepare('SELECT reason FROM parked_email_events WHERE ses_message_id = ?')
      .bind(email.sesMessageId)
      .all();
    expect(held.results).toEqual([{ reason: 'org-moving' }]);

    const early = await moveStep(organizationId, { step: 'drain' });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: 'moving' });
    expect((await moveStep(organizationId, { step: 'abort' })).status).toBe(200);
    const drained = await moveStep(organizationId, { step: 'drain' });
    expect(drained.status).toBe(200);
    expect(await drained.json()).toEqual({ applied: 1, duplicates: 0, orphaned: 0, expired: 0, more: false });
    expect(await status()).toBe('delivered');
  });
});

const OPS_TOKEN = 'org-kinds-ops-token-of-at-least-32-characters';

/** One step of the move through the operations API (`kuratchi-ses org migrate` sends these). */
async function moveStep(organizationId: string, body: object): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${APP_ORIGIN}/api/ops/organizations/${organizationId}/move`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const response = await worker.fetch!(request as never, { ...env, KURATCHI_OPS_TOKEN: OPS_TOKEN }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
