import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { verifyProofBundle } from 'kuratchi-sdk/internal/events';
import { createD1RetentionStore, purgeOrganization } from 'kuratchi-sdk/internal/retention';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../../../lib/server/auth/sessions';
import {
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  testSigner,
  TOPIC,
} from '../../../../../test/support.js';
import { addUser, APP_ORIGIN } from '../../../../../test/forms.js';

/**
 * "Download proof" on the real build: the bundle of an email's archived SNS messages verifies
 * offline (the SDK's `verifyProofBundle`, what `kuratchi-ses verify-proof` runs), lists an event
 * recorded without the archive as not provable, and is served only to the email's organisation.
 */
let signer: SnsSigner;
let acmeCookie: string;
let globexCookie: string;
let email: Awaited<ReturnType<typeof sentEmail>>;
const archive = { SES_ARCHIVE: env.TEST_SES_ARCHIVE };

beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
  const cookieOf = async (organizationId: string) => {
    const userId = await addUser(`proof-${crypto.randomUUID()}@example.test`, 'pw', { organizationId });
    const { token } = await createSession(env.ADMIN_DB, { id: userId, organizationId }, Date.now());
    return `kuratchi_session=${token}`;
  };
  acmeCookie = await cookieOf(ORGS.acme);
  globexCookie = await cookieOf(ORGS.globex);
  email = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
  const at = Date.now() - 60_000;
  for (const [i, eventType] of (['Delivery', 'Open'] as const).entries()) {
    const body = await signedEvent(signer, {
      eventType,
      messageId: email.sesMessageId,
      recipient: email.recipient,
      time: new Date(at + i * 1000),
      // SES's own bot verdict on the open: the timeline and the overview name it as the decider.
      ...(eventType === 'Open' ? { isBotEvent: 'Likely' } : {}),
    });
    expect((await post(body, { env: archive })).status).toBe(200);
  }
  // Recorded while no archive was bound: not provable.
  const click = await signedEvent(signer, {
    eventType: 'Click',
    messageId: email.sesMessageId,
    time: new Date(at + 5000),
  });
  expect((await post(click)).status).toBe(200);
});

async function get(path: string, cookie: string | null, bindings: Record<string, unknown> = archive) {
  const ctx = createExecutionContext();
  const headers: Record<string, string> = { accept: 'text/html' };
  if (cookie) headers.cookie = cookie;
  const request = new Request(`${APP_ORIGIN}${path}`, { headers, redirect: 'manual' });
  const response = await worker.fetch!(request as never, { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('GET /emails/[id]/proof.json', () => {
  it('serves a bundle that verifies offline, each archived message with what it proves', async () => {
    const response = await get(`/emails/${email.emailId}/proof.json`, acmeCookie);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="proof-${email.emailId}.json"`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const bundle = (await response.json()) as { messages: Array<{ raw: string; archiveKey: string }> };
    expect(bundle).toMatchObject({
      format: 'kuratchi-ses-proof',
      version: 1,
      emailId: email.emailId,
      sesMessageId: email.sesMessageId,
    });
    // Each raw message is the archived object, byte for byte.
    for (const message of bundle.messages) {
      expect(message.raw).toBe(await (await env.TEST_SES_ARCHIVE.get(message.archiveKey))!.text());
    }
    // Proven given the deployment's topic and a trusted certificate (here the test signer's; the
    // CLI trusts only a chain to Amazon's roots: packages/kuratchi-sdk/test/node/sns-certificate-trust.test.mjs).
    const verdict = await verifyProofBundle(bundle, {
      topicArns: [TOPIC],
      certificateTrust: ({ pem }) => {
        if (pem !== signer.certificatePem) throw new Error('not the test certificate');
      },
    });
    expect(verdict).toMatchObject({ ok: true, verdict: 'proven' });
    expect(verdict.messages.map((m) => m.topicArn)).toEqual([TOPIC, TOPIC]);
    expect(verdict.messages.map((m) => m.statement)).toEqual([
      expect.stringMatching(new RegExp(`^Delivered to ${email.recipient} at `)),
      expect.stringMatching(/^Opened at .+ from 192\.0\.2\.1/),
    ]);
    expect(verdict.notProvable).toEqual([expect.objectContaining({ eventType: 'Click', reason: 'not-archived' })]);
  });

  it('the detail page offers the download', async () => {
    const html = await (await get(`/emails/${email.emailId}`, acmeCookie)).text();
    expect(html).toContain(`href="/emails/${email.emailId}/proof.json"`);
    expect(html).toContain('Download proof');
  });

  it("the timeline and the overview say who decided an open's or click's verdict: SES, or which rule", async () => {
    const html = await (await get(`/emails/${email.emailId}`, acmeCookie)).text();
    expect(html).toContain('machine · SES: likely bot');
    // The click carries no isBotEvent: our rules decided.
    expect(html).toMatch(/(human|machine) · rules: [a-zA-Z]/);
    const overview = await (await get('/emails/overview', acmeCookie)).text();
    expect(overview).toMatch(/data-verdict="SES: likely bot"[^]*?<td[^>]*>1<\/td>/);
  });

  it("names the events cutoff when the events retention purged the email's events (never empty without a reason)", async () => {
    const DAY_MS = 86_400_000;
    const now = Date.now();
    // Globex keeps events 1 day, emails 45: a Delivery of two days ago, posted now (an SNS retry).
    await createD1RetentionStore(env.ADMIN_DB).setOverride(ORGS.globex, { eventsDays: 1, emailsDays: 45 }, 'test', now);
    try {
      const old = await sentEmail(env.ORG_DB_GLOBEX, ORGS.globex);
      await env.ORG_DB_GLOBEX.prepare('UPDATE emails SET created_at = ? WHERE id = ?')
        .bind(now - 2 * DAY_MS - 60_000, old.emailId)
        .run();
      const delivery = await signedEvent(signer, {
        eventType: 'Delivery',
        messageId: old.sesMessageId,
        recipient: old.recipient,
        time: new Date(now - 2 * DAY_MS),
      });
      // Older than the 1-day cutoff: the webhook drops it as expired; recorded before the override,
      // it is there until the purge. So: record it with the default retention, then purge.
      await createD1RetentionStore(env.ADMIN_DB).setOverride(
        ORGS.globex,
        { eventsDays: null, emailsDays: null },
        'test',
        now,
      );
      expect((await post(delivery, { env: archive })).status).toBe(200);
      await createD1RetentionStore(env.ADMIN_DB).setOverride(
        ORGS.globex,
        { eventsDays: 1, emailsDays: 45 },
        'test',
        now,
      );
      const purge = await purgeOrganization({
        adminDb: env.ADMIN_DB,
        orgDb: env.ORG_DB_GLOBEX,
        organizationId: ORGS.globex,
        policy: { eventsDays: 1, emailsDays: 45 },
        now: new Date(now),
        budget: { queriesLeft: 1_000, deadline: Number.POSITIVE_INFINITY },
      });
      expect(purge).toMatchObject({ emailsDeleted: 0, eventsDeleted: 1 });

      const response = await get(`/emails/${old.emailId}/proof.json`, globexCookie);
      expect(response.status).toBe(200);
      const bundle = (await response.json()) as {
        messages: unknown[];
        notProvable: unknown[];
        eventsExpired?: { before: string };
      };
      expect(bundle).toMatchObject({ messages: [], notProvable: [], eventsExpired: { reason: 'events-expired' } });
      // The cutoff as of the request: a day before it.
      expect(Date.parse(bundle.eventsExpired!.before)).toBeGreaterThanOrEqual(now - DAY_MS);
      expect(Date.parse(bundle.eventsExpired!.before)).toBeLessThanOrEqual(Date.now() - DAY_MS);
      const verdict = await verifyProofBundle(bundle, { topicArns: [TOPIC] });
      expect(verdict.error).toMatch(/deleted by the events retention/);
      // Acme's email, within its retention, carries no such field.
      expect(await (await get(`/emails/${email.emailId}/proof.json`, acmeCookie)).json()).not.toHaveProperty(
        'eventsExpired',
      );
    } finally {
      await createD1RetentionStore(env.ADMIN_DB).setOverride(
        ORGS.globex,
        { eventsDays: null, emailsDays: null },
        'test',
        now,
      );
    }
  });

  it('another organisation gets 404, no session is sent to sign in, no archive is 409', async () => {
    expect((await get(`/emails/${email.emailId}/proof.json`, globexCookie)).status).toBe(404);
    const anonymous = await get(`/emails/${email.emailId}/proof.json`, null);
    expect([302, 303, 401]).toContain(anonymous.status);
    expect((await get(`/emails/${email.emailId}/proof.json`, acmeCookie, { SES_ARCHIVE: undefined })).status).toBe(409);
  });
});
