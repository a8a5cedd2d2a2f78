import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import worker from '$worker';
import { decodeArchiveBatch, snsArchiveKey, splitArchiveKey } from 'kuratchi-sdk/internal/events';
import type { SnsSigner } from 'kuratchi-sdk/email/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ORGS,
  post,
  seedOrganizations,
  sentEmail,
  signedEvent,
  testSigner,
  writes,
} from '../../../../../test/support.js';

/**
 * The raw archive on the built Worker, with miniflare's local R2 bound as SES_ARCHIVE: every
 * verified message is stored byte for byte before its event is applied, by the webhook in direct
 * mode (an R2 failure answers 503: SNS retries) and by the queue consumer in queued mode, one
 * object per batch (an R2 failure retries the batch); without the binding nothing is archived.
 */
let signer: SnsSigner;
beforeAll(async () => {
  signer = await testSigner();
  await seedOrganizations();
});

const archived = (body: string) => env.TEST_SES_ARCHIVE.get(snsArchiveKey(JSON.parse(body) as never));

/** The archive key stored on the event row of an SNS message (column `archive_key`). */
async function archiveKeyOf(body: string) {
  const row = await env.ORG_DB_ACME.prepare('SELECT archive_key FROM email_events WHERE sns_message_id = ?')
    .bind((JSON.parse(body) as { MessageId: string }).MessageId)
    .first<{ archive_key: string | null }>();
  return row?.archive_key;
}

/** The R2 binding with writes that fail, as when R2 is unavailable. */
function failingBucket() {
  const bucket = env.TEST_SES_ARCHIVE;
  return new Proxy(bucket, {
    get(target, name) {
      if (name === 'put') return async () => Promise.reject(new Error('R2 is unavailable'));
      const value = Reflect.get(target, name) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function recordingQueue() {
  const sent: unknown[] = [];
  return {
    sent,
    binding: {
      async send(body: unknown) {
        sent.push(body);
      },
      async sendBatch() {
        throw new Error('not used');
      },
    },
  };
}

describe('the raw archive (SES_ARCHIVE bound)', () => {
  it('direct mode: the POST body is archived byte for byte, with its metadata, and the event applied', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId });
    const response = await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } });
    expect(await response.json()).toEqual({ outcome: 'applied' });
    const object = await archived(body);
    expect(await object!.text()).toBe(body);
    expect(object!.customMetadata).toMatchObject({ type: 'Notification', sesMessageId, eventType: 'Delivery' });
    const certificate = await env.TEST_SES_ARCHIVE.get(object!.customMetadata!.certificateKey!);
    expect(await certificate!.text()).toBe(env.TEST_SIGNER_CERT_PEM);
    const row = await env.ORG_DB_ACME.prepare('SELECT status FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ status: 'delivered' });
    expect(await archiveKeyOf(body)).toBe(snsArchiveKey(JSON.parse(body) as never));
  });

  /** Runs the SES events queue's consumer over `bodies` (queue messages) with `archive` bound. */
  async function consume(bodies: unknown[], archive: unknown) {
    const batch = createMessageBatch(
      'kuratchi-ses-events',
      bodies.map((body, i) => ({ id: `m-${i + 1}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue!(batch as never, { ...env, SES_ARCHIVE: archive } as never, ctx);
    return getQueueResult(batch, ctx);
  }

  it('queued mode: the raw message travels in the queue message; the consumer archives its batch in one object, then applies it', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Open', messageId: sesMessageId });
    const queue = recordingQueue();
    const response = await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE, SES_EVENTS_QUEUE: queue.binding } });
    expect(await response.json()).toEqual({ outcome: 'queued' });
    expect(await archived(body)).toBeNull();
    expect(queue.sent).toEqual([expect.objectContaining({ raw: expect.objectContaining({ body }) })]);

    expect((await consume(queue.sent, env.TEST_SES_ARCHIVE)).explicitAcks).toEqual(['m-1']);
    const row = await env.ORG_DB_ACME.prepare('SELECT open_count FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ open_count: 1 });
    const { objectKey, snsMessageId } = splitArchiveKey((await archiveKeyOf(body))!);
    expect(snsMessageId).toBe((JSON.parse(body) as { MessageId: string }).MessageId);
    expect(objectKey).toMatch(/^sns\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/batch-[\w-]+\.ndjson$/);
    const object = await env.TEST_SES_ARCHIVE.get(objectKey);
    expect(decodeArchiveBatch(await object!.text())).toEqual([
      { body, metadata: expect.objectContaining({ sesMessageId, eventType: 'Open' }) },
    ]);
  });

  it('R2 failing: direct mode answers 503 archive-failed, queued mode retries the batch; nothing applied unarchived', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId });
    const before = await writes();
    const response = await post(body, { env: { SES_ARCHIVE: failingBucket() } });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ outcome: 'unavailable', code: 'archive-failed' });
    expect(await writes()).toBe(before);
    expect(await archived(body)).toBeNull();
    // SNS's retry of the same body, once R2 is back.
    expect((await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } })).status).toBe(200);
    expect(await archived(body)).not.toBeNull();

    const queue = recordingQueue();
    const open = await signedEvent(signer, { eventType: 'Open', messageId: sesMessageId });
    const answer = await post(open, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE, SES_EVENTS_QUEUE: queue.binding } });
    expect(await answer.json()).toEqual({ outcome: 'queued' });
    const opens = () =>
      env.ORG_DB_ACME.prepare('SELECT open_count FROM emails WHERE id = ?').bind(emailId).first<number>('open_count');
    const failed = await consume(queue.sent, failingBucket());
    expect({ acks: failed.explicitAcks, retried: failed.retryMessages.map((m: { msgId: string }) => m.msgId) }).toEqual(
      {
        acks: [],
        retried: ['m-1'],
      },
    );
    expect(await opens()).toBe(0);
    expect((await consume(queue.sent, env.TEST_SES_ARCHIVE)).explicitAcks).toEqual(['m-1']);
    expect(await opens()).toBe(1);
  });

  it('without the binding nothing is archived, and a refused message never is', async () => {
    const { sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId });
    expect((await post(body)).status).toBe(200);
    expect(await archived(body)).toBeNull();

    const forged = JSON.parse(await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId })) as Record<
      string,
      string
    >;
    forged.Message = forged.Message!.replace('Delivery', 'Bounce');
    const response = await post(JSON.stringify(forged), { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE } });
    expect(response.status).toBe(403);
    expect(await archived(JSON.stringify(forged))).toBeNull();
  });
});
