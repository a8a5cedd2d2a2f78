import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { signedDelivery } from '../../../../test/signed-delivery.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor } from '../ingest/ingest.js';
import { consumeSesEventQueue, deadLetterSesEventQueue } from '../ingest/queue-consumer.js';
import { createD1DeadLetterStore } from '../routing/d1-dead-letter-store.js';
import { MAX_QUEUE_MESSAGE_BYTES, queueMessageBytes, type SesEventQueueMessage } from '../ingest/queue-message.js';
import { rebuildFromArchivePage } from '../ingest/archive-rebuild.js';
import { buildProofBundle } from './proof-bundle.js';
import { verifyProofBundle } from './proof-verify.js';
import { listProofEvents } from './d1-proof-events.js';
import { createR2SnsArchive } from './r2-sns-archive.js';
import { snsArchiveHourPrefix, snsArchiveKey } from './sns-archive.js';
import { batchEntryKey, snsArchiveBatchKey, splitArchiveKey } from './sns-archive-batch.js';
import type { SnsArchive } from './ports.js';

/**
 * Queued mode archives in the consumer: the raw signed message travels in the queue message and
 * the consumer stores a batch's messages as one R2 object before recording them. Real R2, D1 and
 * Queues (miniflare); SNS messages signed with a generated key.
 */
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const trusted = (pem: string) => ({
  topicArns: [TOPIC],
  certificateTrust: (c: { pem: string }) => {
    if (c.pem !== pem) throw new Error('not the pinned test certificate');
  },
});

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

async function sentEmail() {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS.acme, emailId)
    .run();
  return { emailId, sesMessageId };
}

/** A signed Delivery as SNS posts it at `at` (`padding`: bytes of a header, to make it large). */
const notification = (sesMessageId: string, padding = 0, at: Date = NOW) =>
  signedDelivery(signer, { sesMessageId, at, topicArn: TOPIC, padding });

/** The webhook in queued mode with the raw archive at `at`; what it enqueues is kept in `sent`. */
function queuedWebhook(sent: SesEventQueueMessage[], at: Date = NOW) {
  return createSesEventIngestor({
    ...d1SinkPorts(() => at),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    archive: createR2SnsArchive(env.SES_ARCHIVE),
    enqueue: async (message) => void sent.push(message),
  });
}

/** Three emails, each with one signed Delivery through the queued webhook at `at`: their queue messages. */
async function threeQueued(at: Date = NOW) {
  const emails = [await sentEmail(), await sentEmail(), await sentEmail()];
  const sent: SesEventQueueMessage[] = [];
  const posts = [];
  for (const email of emails) {
    const post = await notification(email.sesMessageId, 0, at);
    expect((await queuedWebhook(sent, at).ingest(post.body)).body.outcome).toBe('queued');
    posts.push(post);
  }
  return { emails, sent, posts };
}

const batchOf = (sent: SesEventQueueMessage[]) =>
  createMessageBatch(
    'kuratchi-ses-events',
    sent.map((body, i) => ({ id: `m-${body.snsMessageId}-${i}`, timestamp: NOW, attempts: 1, body })),
  );

const archiveKeys = async (emailIds: string[]) =>
  (
    await env.ORG_DB_ACME.prepare(
      'SELECT archive_key AS key FROM email_events WHERE email_id IN (SELECT value FROM json_each(?))',
    )
      .bind(JSON.stringify(emailIds))
      .all<{ key: string | null }>()
  ).results.map((r) => r.key);

describe('queued mode: the consumer archives one object per batch', () => {
  it('the webhook writes no message object; the queue message carries the raw message and its certificate is archived', async () => {
    const { sent, posts } = await threeQueued();
    for (const [i, post] of posts.entries()) {
      expect(await env.SES_ARCHIVE.head(snsArchiveKey(post.signed))).toBeNull();
      expect(sent[i]!.archiveKey).toBeUndefined();
      expect(sent[i]!.raw!.body).toBe(post.body);
      expect(await env.SES_ARCHIVE.head(sent[i]!.raw!.metadata.certificateKey)).not.toBeNull();
    }
  });

  it('a batch is archived as one object, every event recorded with its entry key, then proven from it', async () => {
    const { emails, sent, posts } = await threeQueued();
    const prefix = snsArchiveHourPrefix(NOW);
    const before = (await env.SES_ARCHIVE.list({ prefix })).objects.map((o) => o.key);
    const batch = batchOf(sent);
    const ctx = createExecutionContext();
    await consumeSesEventQueue(
      batch,
      d1SinkPorts(() => NOW),
      null,
      createR2SnsArchive(env.SES_ARCHIVE),
    );
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(3);

    const added = (await env.SES_ARCHIVE.list({ prefix, include: ['customMetadata'] } as never)).objects.filter(
      (o) => !before.includes(o.key),
    );
    expect(added).toHaveLength(1);
    expect(added[0]!.key).toMatch(/^sns\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/batch-[0-9a-f-]+\.ndjson$/);
    expect(added[0]!.customMetadata).toEqual({ layout: 'batch', messages: '3' });
    const keys = await archiveKeys(emails.map((e) => e.emailId));
    expect(keys.sort()).toEqual(posts.map((p) => batchEntryKey(added[0]!.key, p.signed.MessageId)).sort());

    // The proof of each email is found in the batch object, byte for byte, and verifies offline.
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    for (const [i, email] of emails.entries()) {
      const bundle = await buildProofBundle(archive, {
        ...email,
        events: await listProofEvents(env.ORG_DB_ACME, email.emailId),
        now: NOW,
      });
      expect(bundle.notProvable).toEqual([]);
      expect(bundle.messages.map((m) => m.raw)).toEqual([posts[i]!.body]);
      expect(await verifyProofBundle(JSON.parse(JSON.stringify(bundle)), trusted(signer.certificatePem))).toMatchObject(
        { verdict: 'proven' },
      );
    }
  });

  it('a failed archive put retries the whole batch and records nothing; the retry loses nothing', async () => {
    const { emails, sent } = await threeQueued();
    const real = createR2SnsArchive(env.SES_ARCHIVE);
    const failing: SnsArchive = {
      ...real,
      putBatch: async () => {
        throw new Error('R2 unavailable');
      },
    };
    const events = () => countRows(env.ORG_DB_ACME, 'email_events');
    const before = await events();
    const first = batchOf(sent);
    const report = await consumeSesEventQueue(
      first,
      d1SinkPorts(() => NOW),
      null,
      failing,
    );
    const result = await getQueueResult(first, createExecutionContext());
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId).sort()).toEqual(
      first.messages.map((m) => m.id).sort(),
    );
    expect(result.explicitAcks).toEqual([]);
    expect(report.counts.get('consumer:retried')).toBe(3);
    expect(await events()).toBe(before);

    // Queues delivers the batch again: archived, then every event recorded once.
    const again = batchOf(sent);
    await consumeSesEventQueue(
      again,
      d1SinkPorts(() => NOW),
      null,
      real,
    );
    expect((await getQueueResult(again, createExecutionContext())).explicitAcks).toHaveLength(3);
    expect(await events()).toBe(before + 3);
    const keys = await archiveKeys(emails.map((e) => e.emailId));
    expect(keys.every((key) => key !== null && splitArchiveKey(key).snsMessageId !== undefined)).toBe(true);
  });

  it('a message too large to travel in a queue message is archived at the webhook, and only its key travels', async () => {
    const email = await sentEmail();
    // The SES event alone fits in a queue message; with its raw signed copy beside it, it would not.
    const post = await notification(email.sesMessageId, 80_000);
    const sent: SesEventQueueMessage[] = [];
    expect((await queuedWebhook(sent).ingest(post.body)).body.outcome).toBe('queued');
    expect(post.body.length + sent[0]!.message.length).toBeGreaterThan(MAX_QUEUE_MESSAGE_BYTES);
    expect(sent[0]!.raw).toBeUndefined();
    expect(sent[0]!.archiveKey).toBe(snsArchiveKey(post.signed));
    expect(queueMessageBytes(sent[0]!)).toBeLessThanOrEqual(MAX_QUEUE_MESSAGE_BYTES);
    expect(await (await env.SES_ARCHIVE.get(snsArchiveKey(post.signed)))!.text()).toBe(post.body);
  });

  it('through the real queue: the consumer archives, records, and the event is provable', async () => {
    const email = await sentEmail();
    const post = await notification(email.sesMessageId);
    const ingestor = createSesEventIngestor({
      ...d1SinkPorts(() => NOW),
      allowedTopicArns: [TOPIC],
      fetchCertificate: signer.fetchCertificate,
      archive: createR2SnsArchive(env.SES_ARCHIVE),
      enqueue: async (message) => void (await env.SES_EVENTS_QUEUE.send(message, { contentType: 'json' })),
    });
    expect((await ingestor.ingest(post.body)).body.outcome).toBe('queued');
    // Polls with a deadline (vi.waitFor), never a fixed sleep.
    const [key] = await vi.waitFor(
      async () => {
        const keys = await archiveKeys([email.emailId]);
        if (keys.length !== 1 || !keys[0]) throw new Error('not recorded yet');
        return keys;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(splitArchiveKey(key!)).toEqual({
      objectKey: expect.stringMatching(/batch-/),
      snsMessageId: post.signed.MessageId,
    });
    expect((await createR2SnsArchive(env.SES_ARCHIVE).getMessage(key!))!.body).toBe(post.body);
  }, 90_000);
});

describe('the dead-letter queue', () => {
  it('archives the raw messages it holds before dead-lettering them; R2 failing, it keeps them unarchived', async () => {
    const { sent } = await threeQueued();
    const keyOf = (sns: string) =>
      env.ADMIN_DB.prepare('SELECT archive_key AS key FROM email_event_dead_letters WHERE sns_message_id = ?')
        .bind(sns)
        .first<string | null>('key');
    const letters = createD1DeadLetterStore(env.ADMIN_DB);
    const real = createR2SnsArchive(env.SES_ARCHIVE);
    const failing: SnsArchive = {
      ...real,
      putBatch: async () => {
        throw new Error('R2 unavailable');
      },
    };
    const dlq = (messages: SesEventQueueMessage[]) =>
      createMessageBatch(
        'kuratchi-ses-events-dlq',
        messages.map((body, i) => ({ id: `d-${i}`, timestamp: NOW, attempts: 11, body })),
      );
    expect(await deadLetterSesEventQueue(dlq(sent.slice(0, 2)), letters, NOW, real)).toBe(2);
    for (const message of sent.slice(0, 2)) {
      const key = await keyOf(message.snsMessageId);
      expect((await real.getMessage(key!))!.body).toBe(message.raw!.body);
    }
    expect(await deadLetterSesEventQueue(dlq(sent.slice(2)), letters, NOW, failing)).toBe(1);
    expect(await keyOf(sent[2]!.snsMessageId)).toBeNull();
  });
});

describe('both layouts read alike', () => {
  it('a listing expands batch objects and pages by messages; a rebuild finds old and new objects', async () => {
    const hour = new Date(NOW.getTime() + 40 * 86_400_000);
    const prefix = snsArchiveHourPrefix(hour);
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    const metadata = (id: string) => ({
      type: 'Notification' as const,
      topicArn: TOPIC,
      snsMessageId: id,
      snsTimestamp: hour.toISOString(),
      certificateUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem',
      certificateKey: 'certs/x.pem',
      certificateSha256: '0'.repeat(64),
    });
    await archive.putMessage(`${prefix}0-own.json`, '{"own":1}', metadata('own'));
    const first = snsArchiveBatchKey(hour, '1');
    const second = snsArchiveBatchKey(hour, '2');
    await archive.putBatch(
      first,
      ['a', 'b', 'c'].map((id) => ({ body: `{"${id}":1}`, metadata: metadata(id) })),
    );
    await archive.putBatch(
      second,
      ['d', 'e'].map((id) => ({ body: `{"${id}":1}`, metadata: metadata(id) })),
    );
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await archive.listMessages({ prefix, limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.entries.map((e) => e.metadata.snsMessageId));
      cursor = page.cursor;
    } while (cursor);
    // The first batch would make the first page 4 messages: it starts the next one.
    expect(pages.flat()).toEqual(['own', 'a', 'b', 'c', 'd', 'e']);
    expect(pages[0]).toEqual(['own']);
    expect(Math.max(...pages.map((p) => p.length))).toBeLessThanOrEqual(3);
    expect(await archive.getMessage(batchEntryKey(second, 'e'))).toMatchObject({ body: '{"e":1}' });
    expect(await archive.getMessage(batchEntryKey(second, 'nope'))).toBeNull();
  });

  it('kuratchi-ses rebuild re-applies an event archived in a batch object', async () => {
    // The rebuild checks each SNS Timestamp against R2's upload time, which R2 stamps with the
    // real clock: this test's times derive from the real clock, not from the pinned NOW.
    const now = new Date();
    const { emails, sent } = await threeQueued(now);
    await consumeSesEventQueue(
      batchOf(sent),
      d1SinkPorts(() => now),
      null,
      createR2SnsArchive(env.SES_ARCHIVE),
    );
    await env.ORG_DB_ACME.prepare('DELETE FROM email_events WHERE email_id = ?').bind(emails[0]!.emailId).run();
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    let applied = 0;
    let cursor: string | undefined;
    do {
      const page = await rebuildFromArchivePage(
        d1SinkPorts(() => now),
        {
          archive,
          organizationId: ORGS.acme,
          since: now,
          allowedTopicArns: [TOPIC],
          certificates: { fetchCertificate: signer.fetchCertificate },
          ...(cursor ? { cursor } : {}),
        },
      );
      applied += page.outcomes.applied ?? 0;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(applied).toBeGreaterThanOrEqual(1);
    const [key] = await archiveKeys([emails[0]!.emailId]);
    expect(splitArchiveKey(key!).snsMessageId).toBe(sent[0]!.snsMessageId);
  });

  it('a batch entry past the retention whose object is gone is archive-expired', async () => {
    const old = snsArchiveBatchKey(new Date(NOW.getTime() - 100 * 86_400_000), 'gone');
    const bundle = await buildProofBundle(createR2SnsArchive(env.SES_ARCHIVE), {
      emailId: 'e',
      sesMessageId: 's',
      events: [{ snsMessageId: 'x', eventType: 'Delivery', occurredAt: 0, archiveKey: batchEntryKey(old, 'x') }],
      now: NOW,
      archiveRetentionDays: 30,
    });
    expect(bundle.notProvable).toEqual([expect.objectContaining({ reason: 'archive-expired' })]);
  });
});
