import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test';
import worker from '$worker';
import { snsArchiveKey } from 'kuratchi-sdk/internal/events';
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
 * The raw archive on the built Worker, with miniflare's local R2 bound as SES_ARCHIVE: in direct
 * and queued mode every verified message is stored byte for byte before its event is applied or
 * enqueued; an R2 failure answers 503 (SNS retries) with nothing applied or enqueued; without the
 * binding nothing is archived.
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

  it('queued mode: archived before it is enqueued; the queue message carries the key and the consumer applies it', async () => {
    const { emailId, sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const body = await signedEvent(signer, { eventType: 'Open', messageId: sesMessageId });
    const queue = recordingQueue();
    const response = await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE, SES_EVENTS_QUEUE: queue.binding } });
    expect(await response.json()).toEqual({ outcome: 'queued' });
    expect(await archived(body)).not.toBeNull();
    const key = snsArchiveKey(JSON.parse(body) as never);
    expect(queue.sent).toEqual([expect.objectContaining({ archiveKey: key })]);

    const batch = createMessageBatch('kuratchi-ses-events', [
      { id: 'm-1', timestamp: new Date(), attempts: 1, body: queue.sent[0] },
    ]);
    const ctx = createExecutionContext();
    await worker.queue!(batch as never, env as never, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['m-1']);
    const row = await env.ORG_DB_ACME.prepare('SELECT open_count FROM emails WHERE id = ?').bind(emailId).first();
    expect(row).toEqual({ open_count: 1 });
    expect(await archiveKeyOf(body)).toBe(key);
  });

  it('R2 failing: 503 archive-failed in both modes, nothing applied nor enqueued; SNS retries later succeed', async () => {
    const { sesMessageId } = await sentEmail(env.ORG_DB_ACME, ORGS.acme);
    const queue = recordingQueue();
    for (const mode of [{}, { SES_EVENTS_QUEUE: queue.binding }]) {
      const body = await signedEvent(signer, { eventType: 'Delivery', messageId: sesMessageId });
      const before = await writes();
      const response = await post(body, { env: { SES_ARCHIVE: failingBucket(), ...mode } });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ outcome: 'unavailable', code: 'archive-failed' });
      expect(await writes()).toBe(before);
      expect(await archived(body)).toBeNull();
      // SNS's retry of the same body, once R2 is back.
      const retry = await post(body, { env: { SES_ARCHIVE: env.TEST_SES_ARCHIVE, ...mode } });
      expect(retry.status).toBe(200);
      expect(await archived(body)).not.toBeNull();
    }
    expect(queue.sent).toHaveLength(1);
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
