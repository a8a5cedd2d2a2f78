import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { buildSesEvent, createSnsSigner, type SnsSigner } from 'kuratchi-sdk/email/testing';
import { archiveVerifiedSnsMessage, createR2SnsArchive, snsArchiveKey } from 'kuratchi-sdk/internal/events';
import { createD1RetentionStore } from 'kuratchi-sdk/internal/retention';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  testSigner,
  TOPIC,
} from '../../../../../test/support.js';

/**
 * The rebuild endpoints of the operations API on the real build, with local D1 and R2: the bearer
 * token, validation, 409 without the archive, 404 for an unknown organisation, one reset page
 * plus the archive pages giving back the email row live ingestion made, and the reset's refusal
 * of events the archive does not hold (409 by source, nothing changed) unless `dropUnarchived`.
 */
const TOKEN = 'ops-token-for-tests-0123456789abcdef';
const BINDINGS = { KURATCHI_OPS_TOKEN: TOKEN, SES_ARCHIVE: env.TEST_SES_ARCHIVE };
let signer: SnsSigner;

beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});

async function call(path: string, body?: unknown, overrides: Record<string, unknown> = BINDINGS, token = TOKEN) {
  const ctx = createExecutionContext();
  const init: RequestInit = { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
  if (body !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(body) });
  const response = await worker.fetch!(
    new Request(`http://127.0.0.1${path}`, init) as never,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Every page of `/api/ops/rebuild/apply` for Acme since `since`: the outcomes added up, the refusals. */
async function applyAll(since: number) {
  const applied: Record<string, number> = {};
  const refused: Array<{ key: string; reason: string }> = [];
  let skipped = 0;
  let cursor: string | undefined;
  do {
    const response = await call('/api/ops/rebuild/apply', {
      organizationId: ORGS.acme,
      since,
      ...(cursor ? { cursor } : {}),
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as {
      outcomes: Record<string, number>;
      refused: Array<{ key: string; reason: string }>;
      skipped: number;
      next: string | null;
    };
    refused.push(...page.refused);
    skipped += page.skipped;
    for (const [k, n] of Object.entries(page.outcomes)) applied[k] = (applied[k] ?? 0) + n;
    cursor = page.next ?? undefined;
  } while (cursor);
  return { applied, refused, skipped };
}

describe('/api/ops/rebuild', () => {
  it('refuses a wrong token, a bad body, an unknown organisation, and answers 409 without the archive', async () => {
    expect((await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme }, BINDINGS, `${TOKEN}x`)).status).toBe(
      401,
    );
    const bad = await call('/api/ops/rebuild/apply', { organizationId: ORGS.acme, limit: 101 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid-request', message: expect.stringMatching(/^limit:/) });
    expect((await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, extra: 1 })).status).toBe(400);
    expect((await call('/api/ops/rebuild/apply', { organizationId: 'org-nobody' })).status).toBe(404);
    const unbound = await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme }, { KURATCHI_OPS_TOKEN: TOKEN });
    expect(unbound.status).toBe(409);
    expect(await unbound.json()).toMatchObject({ error: 'archive-unbound' });
  });

  it('status, reset and apply: the email row comes back as live ingestion left it', async () => {
    const since = Date.now() - 1000;
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    await env.ORG_DB_ACME.prepare('UPDATE emails SET created_at = ? WHERE id = ?')
      .bind(since + 1, emailId)
      .run();
    for (const eventType of ['Delivery', 'Open'] as const) {
      const body = await signedEvent(signer, { eventType, messageId: sesMessageId });
      expect((await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } })).status).toBe(200);
    }
    const row = () => env.ORG_DB_ACME.prepare('SELECT * FROM emails WHERE id = ?').bind(emailId).first();
    const live = { ...(await row()), updated_at: 'x' };

    const status = await call(`/api/ops/rebuild?organizationId=${ORGS.acme}&since=${since}`);
    expect(await status.json()).toEqual({
      archiveBound: true,
      from: since,
      emails: 1,
      events: 2,
      keptOut: 0,
      unarchived: {},
    });

    const reset = await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, since });
    expect(await reset.json()).toEqual({ emails: 1, events: 2, next: null });
    expect(await row()).toMatchObject({ status: 'sent', delivered_at: null, open_count: 0 });

    const { applied, refused } = await applyAll(since);
    expect(refused).toEqual([]);
    expect(applied.applied).toBe(2);
    expect({ ...(await row()), updated_at: 'x' }).toEqual(live);
    const sources = await env.ORG_DB_ACME.prepare('SELECT DISTINCT source FROM email_events WHERE email_id = ?')
      .bind(emailId)
      .all();
    expect(sources.results).toEqual([{ source: 'rebuild' }]);
  });
});

describe('/api/ops/rebuild: where it starts', () => {
  it('no earlier than the events retention, nor than the archive keeps messages', async () => {
    const day = 86_400_000;
    const from = async (overrides: Record<string, unknown>) => {
      const response = await call(`/api/ops/rebuild?organizationId=${ORGS.acme}`, undefined, {
        ...BINDINGS,
        ...overrides,
      });
      return ((await response.json()) as { from: number }).from;
    };
    const start = Date.now();
    const byEvents = await from({});
    const byArchive = await from({ KURATCHI_RETENTION_ARCHIVE_DAYS: '1' });
    // The organisation's own archive days, when shorter than the deployment's.
    await createD1RetentionStore(env.ADMIN_DB).setOverride(
      ORGS.acme,
      { eventsDays: null, emailsDays: null, archiveDays: 7 },
      'test',
      start,
    );
    const byOwnArchive = await from({});
    const byDeploymentArchive = await from({ KURATCHI_RETENTION_ARCHIVE_DAYS: '1' });
    await createD1RetentionStore(env.ADMIN_DB).setOverride(
      ORGS.acme,
      { eventsDays: null, emailsDays: null },
      'test',
      start,
    );
    const end = Date.now();
    expect(byEvents).toBeGreaterThanOrEqual(start - 45 * day);
    expect(byEvents).toBeLessThanOrEqual(end - 45 * day);
    for (const [at, days] of [
      [byArchive, 1],
      [byOwnArchive, 7],
      [byDeploymentArchive, 1],
    ] as const) {
      expect(at).toBeGreaterThanOrEqual(start - days * day);
      expect(at).toBeLessThanOrEqual(end - days * day);
    }
  });
});

describe('/api/ops/rebuild and objects written into the archive by someone else', () => {
  it("refuses and reports them (the webhook's certificate source and topic allowlist), applies none", async () => {
    const since = Date.now() - 1000;
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    // A self-made certificate at the genuine certificate's URL, and SNS's genuine signature for
    // another account's topic, each stored beside its certificate as the webhook stores a message.
    const forger = await createSnsSigner({ certUrl: signer.certUrlFor(TOPIC) });
    const attacks: Array<[SnsSigner, string, RegExp]> = [
      [forger, TOPIC, /signature does not match/],
      [signer, 'arn:aws:sns:eu-west-1:210987654321:someone-elses-topic', /topic .* is not allowed/],
    ];
    const keys: Array<[string, RegExp]> = [];
    for (const [by, topicArn, reason] of attacks) {
      const signed = await by.sign({
        Type: 'Notification',
        MessageId: crypto.randomUUID(),
        TopicArn: topicArn,
        Message: JSON.stringify(buildSesEvent({ eventType: 'Complaint', messageId: sesMessageId, time: new Date() })),
        Timestamp: new Date().toISOString(),
      } as never);
      await archiveVerifiedSnsMessage(
        // The test env's R2Bucket type (vitest-pool-workers) and the SDK's differ only in DOM Headers.
        createR2SnsArchive(env.TEST_SES_ARCHIVE as unknown as Parameters<typeof createR2SnsArchive>[0]),
        JSON.stringify(signed),
        { message: signed, certificateUrl: new URL(signed.SigningCertURL).href, certificatePem: by.certificatePem },
        { sesMessageId, eventType: 'Complaint' },
      );
      keys.push([snsArchiveKey(signed), reason]);
    }
    const { applied, refused } = await applyAll(since);
    for (const [key, reason] of keys) expect(refused.find((r) => r.key === key)?.reason, key).toMatch(reason);
    expect(applied.applied ?? 0).toBe(0);
    const row = await env.ORG_DB_ACME.prepare('SELECT status, complained_at FROM emails WHERE id = ?')
      .bind(emailId)
      .first();
    expect(row).toMatchObject({ complained_at: null });
  });
});

describe('/api/ops/rebuild and events the archive does not hold', () => {
  it('the status counts them by source; the reset refuses them (409, nothing changed) unless dropUnarchived', async () => {
    // After the other tests' emails: this test's scope holds only its own email.
    const since = Date.now() + 60_000;
    const { emailId, sesMessageId, recipient } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    await env.ORG_DB_ACME.prepare('UPDATE emails SET created_at = ? WHERE id = ?')
      .bind(since + 1, emailId)
      .run();
    // A Delivery through the webhook before the archive was bound; an Open by `kuratchi-ses import`.
    const delivery = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId, recipient });
    expect((await post(delivery, { env: { SES_ARCHIVE: undefined } })).status).toBe(200);
    const record = JSON.stringify(
      buildSesEvent({ eventType: 'Open', messageId: sesMessageId, recipient, time: new Date(Date.now() - 30_000) }),
    );
    expect((await call('/api/ops/events/import', { records: [record] })).status).toBe(200);
    const events = () =>
      env.ORG_DB_ACME.prepare('SELECT source, archive_key FROM email_events WHERE email_id = ? ORDER BY source')
        .bind(emailId)
        .all();
    expect((await events()).results).toEqual([
      { source: 'import', archive_key: null },
      { source: 'sns', archive_key: null },
    ]);

    const status = await call(`/api/ops/rebuild?organizationId=${ORGS.acme}&since=${since}`);
    expect(await status.json()).toEqual({
      archiveBound: true,
      from: since,
      emails: 1,
      events: 2,
      keptOut: 0,
      unarchived: { import: 1, 'pre-archive': 1 },
    });

    const row = () => env.ORG_DB_ACME.prepare('SELECT * FROM emails WHERE id = ?').bind(emailId).first();
    const before = await row();
    const refused = await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, since });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error: 'unarchived-events',
      message: expect.stringMatching(
        /^a reset would delete 2 event\(s\) the raw archive does not hold \(import 1, pre-archive 1\)/,
      ),
      unarchived: { import: 1, 'pre-archive': 1 },
    });
    expect(await row()).toEqual(before);
    expect((await events()).results).toHaveLength(2);
    // A client that starts after the first page meets the same refusal, for its page.
    const later = await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, since, after: ' ' });
    expect(later.status).toBe(409);
    expect((await events()).results).toHaveLength(2);
    expect((await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, dropUnarchived: 'yes' })).status).toBe(
      400,
    );

    const dropped = await call('/api/ops/rebuild/reset', { organizationId: ORGS.acme, since, dropUnarchived: true });
    expect(await dropped.json()).toEqual({ emails: 1, events: 2, next: null });
    expect((await events()).results).toEqual([]);
    expect(await row()).toMatchObject({ status: 'sent', delivered_at: null, open_count: 0 });
  });
});

describe('/api/ops/rebuild and the events retention', () => {
  it('starts at the events cutoff: an older email keeps its state, its archived events are skipped', async () => {
    const hour = 3_600_000;
    await env.ADMIN_DB.prepare(
      `INSERT INTO organization_retention (organization_id, events_days, emails_days, updated_at, updated_by)
       VALUES (?, 1, 2, 0, 'test') ON CONFLICT (organization_id) DO UPDATE SET events_days = 1, emails_days = 2`,
    )
      .bind(ORGS.acme)
      .run();
    try {
      const start = Date.now();
      const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
      await env.ORG_DB_ACME.prepare('UPDATE emails SET created_at = ? WHERE id = ?')
        .bind(start - 36 * hour, emailId)
        .run();
      // A late click on it, live: recorded and archived, as any event of a kept email.
      const click = await signedEvent(signer, {
        eventType: 'Click',
        messageId: sesMessageId,
        sentAt: new Date(start - 36 * hour),
        link: 'https://example.com/late',
      });
      expect((await post(click, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } })).status).toBe(200);
      const row = async () => ({
        ...(await env.ORG_DB_ACME.prepare('SELECT * FROM emails WHERE id = ?').bind(emailId).first()),
        updated_at: 'x',
      });
      const before = await row();
      expect(before).toMatchObject({ click_count: 1 });

      const status = (await (
        await call(`/api/ops/rebuild?organizationId=${ORGS.acme}&since=${start - 40 * hour}`)
      ).json()) as { from: number; keptOut: number };
      expect(status.from).toBeGreaterThanOrEqual(start - 24 * hour);
      expect(status.from).toBeLessThanOrEqual(Date.now() - 24 * hour);
      expect(status.keptOut).toBe(1);

      let after: string | null = null;
      do {
        const page = await call('/api/ops/rebuild/reset', {
          organizationId: ORGS.acme,
          since: status.from,
          dropUnarchived: true,
          ...(after ? { after } : {}),
        });
        after = ((await page.json()) as { next: string | null }).next;
      } while (after);
      expect(await row()).toEqual(before);
      const { skipped } = await applyAll(status.from);
      expect(skipped).toBe(1);
      expect(await row()).toEqual(before);
      const events = await env.ORG_DB_ACME.prepare('SELECT source FROM email_events WHERE email_id = ?')
        .bind(emailId)
        .all();
      expect(events.results).toEqual([{ source: 'sns' }]);
    } finally {
      await env.ADMIN_DB.prepare('DELETE FROM organization_retention WHERE organization_id = ?').bind(ORGS.acme).run();
    }
  });
});
