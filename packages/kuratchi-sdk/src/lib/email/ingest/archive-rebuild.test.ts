import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { d1SinkPorts, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1OutgoingEmailStore } from '../send/d1-outgoing-email-store.js';
import { createR2SnsArchive } from '../archive/r2-sns-archive.js';
import { archiveVerifiedSnsMessage, snsArchiveKey } from '../archive/sns-archive.js';
import { resetTrackingPage } from './d1-tracking-reset.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { seededRandom } from '../testing/seeded-random.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { rebuildFromArchivePage, type RebuildPageOptions } from './archive-rebuild.js';
import { createSesEventIngestor } from './ingest.js';
import type { SesEventType } from '../ses-events/ses-event.js';

/**
 * `kuratchi-ses rebuild`'s two steps on local D1 and R2: live ingestion (archiving) of a random
 * event set, then reset every page of the organisation and apply the archive again. The rows are
 * those live ingestion made: emails, recipients, events (all but when and how they were
 * received), suppressions; another organisation's state and manual suppressions are untouched.
 * The rebuild trusts the archive no more than the webhook trusts the network: the certificate
 * comes from the webhook's fetcher, the topic must be allowed, and the SNS Timestamp must be
 * within the redrive window of the object's upload time. R2 stamps that time with the real
 * clock, so this file's times derive from the real clock, never from the pinned TEST_NOW.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = new Date();
const TYPES: SesEventType[] = ['Send', 'Delivery', 'Bounce', 'Complaint', 'Open', 'Click', 'DeliveryDelay'];

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

const archive = () => createR2SnsArchive(env.SES_ARCHIVE);

/** One rebuild page with the webhook's trust: its topic allowlist and its certificate fetcher. */
const rebuildPage = (options: Omit<RebuildPageOptions, 'archive' | 'allowedTopicArns'>) =>
  rebuildFromArchivePage(
    d1SinkPorts(() => NOW),
    {
      archive: archive(),
      allowedTopicArns: [TOPIC],
      certificates: { fetchCertificate: signer.fetchCertificate },
      ...options,
    } as RebuildPageOptions,
  );

/** Every page of the rebuild of `organizationId`: refused keys and reasons, and the outcomes. */
async function rebuildAll(organizationId: string) {
  const refused: string[] = [];
  const outcomes: Record<string, number> = {};
  let cursor: string | undefined;
  do {
    const page = await rebuildPage({ organizationId, ...(cursor ? { cursor } : {}) });
    refused.push(...page.refused.map((r) => `${r.key}: ${r.reason}`));
    for (const [outcome, n] of Object.entries(page.outcomes)) outcomes[outcome] = (outcomes[outcome] ?? 0) + n;
    cursor = page.next ?? undefined;
  } while (cursor);
  return { refused, outcomes };
}

/** Writes an email as `sendEmail` does: pending with its recipients, then sent with its route. */
async function sendEmail(db: D1Database, organizationId: string, n: number, at: number) {
  const id = `rebuild-${organizationId}-${n}-${crypto.randomUUID()}`;
  const sesMessageId = `ses-${id}`;
  const to = [`to-${n}@example.com`];
  const cc = [`cc-${n}@example.com`];
  const outgoing = createD1OutgoingEmailStore(db);
  await outgoing.insertPending({
    id,
    recipient: to.join(', '),
    recipients: [
      ...to.map((address) => ({ address, kind: 'to' as const })),
      ...cc.map((address) => ({ address, kind: 'cc' as const })),
    ],
    sender: 'sender@example.com',
    subject: `Hello ${n}`,
    emailType: null,
    userId: null,
    metadata: null,
    createdAt: at,
  });
  await outgoing.markSent(id, sesMessageId, at + 500);
  await createD1AdminStore(env.ADMIN_DB).putMessageRoute(sesMessageId, { organizationId, emailId: id }, at + 500);
  return { id, sesMessageId, to, cc };
}

async function rows(db: D1Database, ids: string[]) {
  const list = JSON.stringify(ids);
  const all = async (sql: string) => (await db.prepare(sql).bind(list).all()).results;
  return {
    emails: (await all('SELECT * FROM emails WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id')).map((r) => ({
      ...r,
      updated_at: 'x',
    })),
    recipients: await all(
      'SELECT * FROM email_recipients WHERE email_id IN (SELECT value FROM json_each(?)) ORDER BY email_id, address',
    ),
    events: (
      await all('SELECT * FROM email_events WHERE email_id IN (SELECT value FROM json_each(?)) ORDER BY sns_message_id')
    )
      // `position` too: a rebuild records the events again, after every position given before
      // (the events feed sees them again; docs/guides/api.md).
      .map(({ received_at: _r, ingest_token: _t, source: _s, position: _p, ...row }) => row),
    // `reason` and `detail` too: the list keeps the outranking suppression of an address whatever
    // the order (record-statements.ts), so a rebuild in archive order reproduces it.
    suppressions: await all(
      `SELECT email_address, source_email_id, created_at, reason, detail FROM email_suppressions WHERE source_email_id IN (SELECT value FROM json_each(?)) OR email_address LIKE 'manual-%' ORDER BY email_address`,
    ),
  };
}

describe('rebuild from the raw archive', () => {
  it('reset + re-apply gives the rows live ingestion made (random events, duplicates, two organisations)', async () => {
    const random = seededRandom(Number(NOW.getTime() % 1e9));
    const start = NOW.getTime() - 30 * 60_000;
    const acme = await Promise.all([0, 1, 2, 3, 4].map((n) => sendEmail(env.ORG_DB_ACME, ORGS.acme, n, start)));
    const globex = await sendEmail(env.ORG_DB_GLOBEX, ORGS.globex, 9, start);
    await env.ORG_DB_ACME.prepare(
      "INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at) VALUES ('manual-1@example.com', 'manual', 'asked', NULL, 1) ON CONFLICT DO NOTHING",
    ).run();
    const ingestor = createSesEventIngestor({
      ...d1SinkPorts(() => NOW),
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      archive: archive(),
      // Messages over three hours, so the archive spans several hour prefixes.
      maxAgeSeconds: 4 * 3600,
    });
    const bodies: string[] = [];
    for (const [i, email] of [...acme, globex].entries()) {
      const count = 3 + Math.floor(random() * 5);
      for (let k = 0; k < count; k++) {
        const eventType = TYPES[Math.floor(random() * TYPES.length)]!;
        const time = new Date(start + 60_000 + Math.floor(random() * 20 * 60_000));
        const spec: SesEventSpec = {
          eventType,
          messageId: email.sesMessageId,
          time,
          sentAt: new Date(start + 400),
          to: email.to,
          cc: email.cc,
          recipients: random() < 0.5 ? email.to : [...email.to, ...email.cc],
          link: `https://example.com/${i}/${k % 2}`,
          userAgent:
            random() < 0.3 ? 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36' : 'GoogleImageProxy',
        };
        const signed = await signer.sign({
          Type: 'Notification',
          MessageId: crypto.randomUUID(),
          TopicArn: TOPIC,
          Message: JSON.stringify(buildSesEvent(spec)),
          Timestamp: new Date(NOW.getTime() - Math.floor(random() * 3) * 3_600_000 - 1000).toISOString(),
        } as never);
        bodies.push(JSON.stringify(signed));
      }
    }
    // SNS is at-least-once and unordered: shuffled, a third delivered twice.
    const deliveries = [...bodies, ...bodies.filter(() => random() < 0.33)].sort(() => random() - 0.5);
    for (const body of deliveries) expect((await ingestor.ingest(body)).status).toBe(200);

    const ids = acme.map((e) => e.id);
    const live = await rows(env.ORG_DB_ACME, ids);
    const liveGlobex = await rows(env.ORG_DB_GLOBEX, [globex.id]);
    expect(live.events.length).toBeGreaterThan(10);

    // Step 1: reset, page by page (2 emails a page).
    let after: string | null = null;
    do {
      const page = await resetTrackingPage(env.ORG_DB_ACME, { after, since: start, limit: 2 });
      after = page.next;
    } while (after);
    const reset = await rows(env.ORG_DB_ACME, ids);
    expect(reset.events).toEqual([]);
    expect(
      reset.emails.every(
        (e) => (e as Record<string, unknown>).status === 'sent' && (e as Record<string, unknown>).open_count === 0,
      ),
    ).toBe(true);
    expect(reset.suppressions.map((s) => s.email_address)).toEqual(['manual-1@example.com']);

    // Step 2: the archive again, in small pages from the first hour on.
    let cursor: string | undefined;
    let applied = 0;
    do {
      const page = await rebuildPage({
        organizationId: ORGS.acme,
        since: new Date(NOW.getTime() - 3 * 3_600_000),
        limit: 7,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.refused).toEqual([]);
      expect(page.retry).toBe(0);
      applied += page.outcomes.applied ?? 0;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(applied).toBe(live.events.length);
    expect(await rows(env.ORG_DB_ACME, ids)).toEqual(live);
    expect(await rows(env.ORG_DB_GLOBEX, [globex.id])).toEqual(liveGlobex);

    // Twice: nothing changes (every event a duplicate).
    const again = await rebuildPage({ organizationId: ORGS.acme });
    expect(again.outcomes.applied ?? 0).toBe(0);
    expect(await rows(env.ORG_DB_ACME, ids)).toEqual(live);
  });

  it('an archived message that no longer verifies is refused, not applied', async () => {
    const email = await sendEmail(env.ORG_DB_ACME, ORGS.acme, 20, NOW.getTime() - 60_000);
    const signed = await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(
        buildSesEvent({ eventType: 'Delivery', messageId: email.sesMessageId, time: new Date(NOW.getTime() - 30_000) }),
      ),
      Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
    } as never);
    const ingestor = createSesEventIngestor({
      ...d1SinkPorts(() => NOW),
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      archive: archive(),
    });
    expect((await ingestor.ingest(JSON.stringify(signed))).body.outcome).toBe('applied');
    await resetTrackingPage(env.ORG_DB_ACME, { since: NOW.getTime() - 60_000 });
    // Someone edits the archived object: the rebuild refuses it.
    const key = (await archive().listMessages({ limit: 1000 })).entries.find(
      (e) => e.metadata.snsMessageId === signed.MessageId,
    )!;
    const object = await env.SES_ARCHIVE.get(key.key);
    await env.SES_ARCHIVE.put(key.key, (await object!.text()).replace('Delivery', 'Bounce'), {
      customMetadata: object!.customMetadata!,
    });
    const { refused } = await rebuildAll(ORGS.acme);
    expect(refused).toEqual([`${key.key}: signature does not match the message`]);
    const row = await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(email.id).first();
    expect(row).toEqual({ status: 'sent' });
  });

  it('an object injected into the archive (self-made certificate, another topic, too old) is refused and counted, never applied', async () => {
    const email = await sendEmail(env.ORG_DB_ACME, ORGS.acme, 21, NOW.getTime() - 60_000);
    const otherTopic = 'arn:aws:sns:eu-west-1:210987654321:someone-elses-topic';
    const forger = await createSnsSigner();
    // A self-made certificate at the genuine certificate's own URL.
    const sameUrl = await createSnsSigner({ certUrl: signer.certUrlFor(TOPIC) });
    const attacks: Array<[string, SnsSigner, string, number, RegExp]> = [
      ['self-made certificate, the allowed topic', forger, TOPIC, 1000, /certificate|signature/],
      ['self-made certificate at the genuine URL', sameUrl, TOPIC, 1000, /signature does not match/],
      ['self-made certificate, another topic', forger, otherTopic, 1000, /topic .* is not allowed/],
      ["SNS's genuine signature for another account's topic", signer, otherTopic, 1000, /topic .* is not allowed/],
      ['a genuine message older than the redrive window', signer, TOPIC, 15 * 86_400_000, /older than 1209600 s/],
    ];
    const expected: Array<[string, RegExp]> = [];
    for (const [, by, topicArn, age, reason] of attacks) {
      const signed = await by.sign({
        Type: 'Notification',
        MessageId: crypto.randomUUID(),
        TopicArn: topicArn,
        Message: JSON.stringify(
          buildSesEvent({ eventType: 'Complaint', messageId: email.sesMessageId, time: new Date(NOW.getTime() - age) }),
        ),
        Timestamp: new Date(NOW.getTime() - age).toISOString(),
      } as never);
      // Written as the webhook writes, with the forger's certificate beside it.
      await archiveVerifiedSnsMessage(
        archive(),
        JSON.stringify(signed),
        { message: signed, certificateUrl: new URL(signed.SigningCertURL).href, certificatePem: by.certificatePem },
        { sesMessageId: email.sesMessageId, eventType: 'Complaint' },
      );
      expected.push([snsArchiveKey(signed), reason]);
    }
    const { refused } = await rebuildAll(ORGS.acme);
    for (const [key, reason] of expected) {
      const line = refused.find((r) => r.startsWith(`${key}: `));
      expect(line, key).toMatch(reason);
    }
    const row = await env.ORG_DB_ACME.prepare('SELECT status, complained_at FROM emails WHERE id = ?')
      .bind(email.id)
      .first();
    expect(row).toEqual({ status: 'sent', complained_at: null });
    const events = await env.ORG_DB_ACME.prepare('SELECT count(*) AS n FROM email_events WHERE email_id = ?')
      .bind(email.id)
      .first<{ n: number }>();
    expect(events?.n).toBe(0);
  });
});

describe('rebuild and the events retention', () => {
  it('applies only to the emails the reset covered: older ones keep their state, purged events stay gone, rollups do not double', async () => {
    const hour = 3_600_000;
    const cutoff = NOW.getTime() - 86_400_000; // one day of events
    const old = await sendEmail(env.ORG_DB_ACME, ORGS.acme, 30, NOW.getTime() - 36 * hour);
    const young = await sendEmail(env.ORG_DB_ACME, ORGS.acme, 31, NOW.getTime() - 2 * hour);
    const tag = crypto.randomUUID();
    const plan: Array<[typeof old, SesEventType, number, string?]> = [
      [old, 'Delivery', 35],
      [old, 'Click', 34, `https://example.com/${tag}/old`],
      [old, 'Click', 2, `https://example.com/${tag}/late`],
      [young, 'Delivery', 1.5],
      [young, 'Click', 1, `https://example.com/${tag}/young`],
    ];
    const ingestor = createSesEventIngestor({
      ...d1SinkPorts(() => NOW),
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      archive: archive(),
      maxAgeSeconds: 2 * 86_400,
    });
    for (const [email, eventType, hoursAgo, link] of plan) {
      const time = new Date(NOW.getTime() - hoursAgo * hour);
      const signed = await signer.sign({
        Type: 'Notification',
        MessageId: crypto.randomUUID(),
        TopicArn: TOPIC,
        Message: JSON.stringify(
          buildSesEvent({
            eventType,
            messageId: email.sesMessageId,
            time,
            sentAt: new Date(NOW.getTime() - 36 * hour + 400),
            to: email.to,
            ...(link ? { link } : {}),
          }),
        ),
        Timestamp: new Date(time.getTime() + 1000).toISOString(),
      } as never);
      expect((await ingestor.ingest(JSON.stringify(signed))).body.outcome).toBe('applied');
    }
    // The purge's events step: the raw events before the cutoff go; the rollups they made stay.
    await env.ORG_DB_ACME.prepare('DELETE FROM email_events WHERE email_id IN (?, ?) AND occurred_at < ?')
      .bind(old.id, young.id, cutoff)
      .run();
    const linkRollups = () =>
      env.ORG_DB_ACME.prepare(
        'SELECT day, metric, key, count FROM email_rollups WHERE key LIKE ? AND count != 0 ORDER BY day, metric, key',
      )
        .bind(`%${tag}%`)
        .all()
        .then((r) => r.results);
    const before = { old: await rows(env.ORG_DB_ACME, [old.id]), young: await rows(env.ORG_DB_ACME, [young.id]) };
    const rollupsBefore = await linkRollups();
    expect(rollupsBefore.map((r) => r.key)).toEqual([
      `https://example.com/${tag}/old`,
      `https://example.com/${tag}/late`,
      `https://example.com/${tag}/young`,
    ]);

    let after: string | null = null;
    do after = (await resetTrackingPage(env.ORG_DB_ACME, { after, since: cutoff })).next;
    while (after);
    expect(await rows(env.ORG_DB_ACME, [old.id])).toEqual(before.old);
    expect((await rows(env.ORG_DB_ACME, [young.id])).events).toEqual([]);

    // The whole archive listed (no `since`): the old email's three events are skipped, not applied.
    let cursor: string | undefined;
    let skipped = 0;
    do {
      const page = await rebuildPage({
        organizationId: ORGS.acme,
        resetScope: { db: env.ORG_DB_ACME, since: cutoff },
        ...(cursor ? { cursor } : {}),
      });
      skipped += page.skipped;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(await linkRollups()).toEqual(rollupsBefore);
    expect(await rows(env.ORG_DB_ACME, [old.id])).toEqual(before.old);
    expect(await rows(env.ORG_DB_ACME, [young.id])).toEqual(before.young);
    expect(skipped).toBe(3);
  });
});
