import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { countRows, d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createR2SnsArchive } from './r2-sns-archive.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor, type SesEventIngestorOptions } from '../ingest/ingest.js';
import type { SnsArchive } from './ports.js';
import {
  archiveCertificateOf,
  certificateArchiveKey,
  sha256Hex,
  snsArchiveHourPrefix,
  snsArchiveKey,
} from './sns-archive.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;

let signer: SnsSigner;
beforeAll(async () => {
  signer = await createSnsSigner();
  await seedOrganizations();
});

function ingestor(overrides: Partial<SesEventIngestorOptions> = {}) {
  return createSesEventIngestor({
    ...d1SinkPorts(() => NOW),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    archive: createR2SnsArchive(env.SES_ARCHIVE),
    ...overrides,
  });
}

async function sentEmail() {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS.acme, emailId)
    .run();
  return { emailId, sesMessageId };
}

/** A signed Notification as SNS posts it, with a space SNS might add, so "byte for byte" is tested. */
async function notification(sesMessageId: string, timestamp = new Date(NOW.getTime() - 1000)) {
  const event = buildSesEvent({
    eventType: 'Delivery',
    messageId: sesMessageId,
    time: new Date(NOW.getTime() - 60_000),
  });
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Message: JSON.stringify(event),
    Timestamp: timestamp.toISOString(),
  } as never);
  return { body: JSON.stringify(signed, null, 2), signed };
}

/** An archive whose writes all fail (R2 unavailable), the reads going to the real bucket. */
function failingArchive(): SnsArchive {
  const real = createR2SnsArchive(env.SES_ARCHIVE);
  const fail = async () => {
    throw new Error('R2 is unavailable');
  };
  return { ...real, putMessage: fail, putCertificate: fail };
}

describe('the archive key rule', () => {
  it('is sns/YYYY/MM/DD/HH/<MessageId>.json by the SNS Timestamp in UTC', () => {
    expect(snsArchiveKey({ MessageId: 'abc', Timestamp: '2026-03-04T05:59:59.999Z' })).toBe(
      'sns/2026/03/04/05/abc.json',
    );
    // A Timestamp with an offset lands in its UTC hour.
    expect(snsArchiveKey({ MessageId: 'abc', Timestamp: '2026-03-04T23:30:00-02:00' })).toBe(
      'sns/2026/03/05/01/abc.json',
    );
    expect(snsArchiveHourPrefix(new Date(Date.UTC(2027, 0, 1, 0)))).toBe('sns/2027/01/01/00/');
    expect(() => snsArchiveKey({ MessageId: 'abc', Timestamp: 'yesterday' })).toThrow(RangeError);
  });

  it('names a certificate by the SHA-256 of its URL', async () => {
    const url = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    const key = await certificateArchiveKey(url);
    expect(key).toMatch(/^certs\/[0-9a-f]{64}\.pem$/);
    expect(key).toBe(`certs/${await sha256Hex(url)}.pem`);
    expect(await certificateArchiveKey(url.replace('eu-west-1', 'us-east-1'))).not.toBe(key);
    // The SHA-256 of "abc" (FIPS 180-2 example).
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('ingest with the raw archive', () => {
  it('direct mode: stores the POST body byte for byte, with its metadata and certificate, then applies', async () => {
    const email = await sentEmail();
    const { body, signed } = await notification(email.sesMessageId);
    const result = await ingestor().ingest(body);
    expect(result.body.outcome).toBe('applied');

    const key = snsArchiveKey(signed);
    const object = await env.SES_ARCHIVE.get(key);
    expect(object).not.toBeNull();
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(new TextEncoder().encode(body));
    expect(object!.httpMetadata?.contentType).toBe('text/plain; charset=UTF-8');
    const certificateUrl = new URL(signed.SigningCertURL).href;
    expect(object!.customMetadata).toEqual({
      type: 'Notification',
      topicArn: TOPIC,
      snsMessageId: signed.MessageId,
      snsTimestamp: signed.Timestamp,
      certificateUrl,
      certificateKey: await certificateArchiveKey(certificateUrl),
      certificateSha256: await sha256Hex(signer.certificatePem),
      sesMessageId: email.sesMessageId,
      eventType: 'Delivery',
    });
    const certificate = await env.SES_ARCHIVE.get(await certificateArchiveKey(certificateUrl));
    expect(await certificate!.text()).toBe(signer.certificatePem);
    expect(certificate!.customMetadata).toEqual({
      url: certificateUrl,
      sha256: await sha256Hex(signer.certificatePem),
    });
  });

  it('writes each certificate once per URL, however many messages it signed', async () => {
    const bucket = env.SES_ARCHIVE;
    const put = vi.spyOn(bucket, 'put');
    const archive = createR2SnsArchive(bucket);
    const email = await sentEmail();
    for (let i = 0; i < 3; i++) {
      expect((await ingestor({ archive }).ingest((await notification(email.sesMessageId)).body)).body.outcome).toMatch(
        /applied|duplicate/,
      );
    }
    const certPuts = put.mock.calls.filter(([key]) => String(key).startsWith('certs/'));
    const messagePuts = put.mock.calls.filter(([key]) => String(key).startsWith('sns/'));
    put.mockRestore();
    expect(messagePuts).toHaveLength(3);
    // At most one write (none when an earlier test archived the certificate already).
    expect(certPuts.length).toBeLessThanOrEqual(1);
  });

  it('hashes a certificate again when its URL serves another one (the metadata names the one that signed)', async () => {
    const other = await createSnsSigner();
    const { signed } = await notification(`ses-${crypto.randomUUID()}`);
    const certificateUrl = new URL(signed.SigningCertURL).href;
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    for (const pem of [signer.certificatePem, other.certificatePem, signer.certificatePem]) {
      const metadata = await archiveCertificateOf(archive, { message: signed, certificateUrl, certificatePem: pem });
      expect(metadata.certificateSha256).toBe(await sha256Hex(pem));
      expect(metadata.certificateKey).toBe(await certificateArchiveKey(certificateUrl));
    }
  });

  it('when the archive fails: 503 archive-failed, and nothing is applied, parked or enqueued', async () => {
    const email = await sentEmail();
    const enqueue = vi.fn(async () => {});
    const before = await countRows(env.ORG_DB_ACME, 'email_events');
    const parked = await countRows(env.ADMIN_DB, 'parked_email_events');
    for (const mode of [{}, { enqueue }]) {
      const { body, signed } = await notification(email.sesMessageId);
      const result = await ingestor({ archive: failingArchive(), ...mode }).ingest(body);
      expect(result).toMatchObject({ status: 503, body: { outcome: 'unavailable', code: 'archive-failed' } });
      expect(await env.SES_ARCHIVE.head(snsArchiveKey(signed))).toBeNull();
    }
    expect(enqueue).not.toHaveBeenCalled();
    expect(await countRows(env.ORG_DB_ACME, 'email_events')).toBe(before);
    expect(await countRows(env.ADMIN_DB, 'parked_email_events')).toBe(parked);
  });

  it('an unverified message is never archived', async () => {
    const email = await sentEmail();
    const { signed } = await notification(email.sesMessageId);
    const tampered = JSON.stringify({ ...signed, Message: signed.Message.replace('Delivery', 'Bounce') });
    expect((await ingestor().ingest(tampered)).status).toBe(403);
    expect(await env.SES_ARCHIVE.head(snsArchiveKey(signed))).toBeNull();
  });

  it('archives subscription messages too, and lists entries with their metadata in key order', async () => {
    const confirmation = await signer.sign({
      Type: 'UnsubscribeConfirmation',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: 'You have chosen to deactivate subscription',
      SubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=t',
      Token: 't',
      Timestamp: new Date(NOW.getTime() - 500).toISOString(),
    } as never);
    expect((await ingestor().ingest(JSON.stringify(confirmation))).body.outcome).toBe('unsubscribe-recorded');
    const archive = createR2SnsArchive(env.SES_ARCHIVE);
    const prefix = snsArchiveHourPrefix(new Date(Date.parse(confirmation.Timestamp)));
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await archive.listMessages({ prefix, limit: 2, ...(cursor ? { cursor } : {}) });
      keys.push(...page.entries.map((e) => e.key));
      const mine = page.entries.find((e) => e.metadata.snsMessageId === confirmation.MessageId);
      if (mine) expect(mine.metadata).toMatchObject({ type: 'UnsubscribeConfirmation', topicArn: TOPIC });
      cursor = page.cursor;
    } while (cursor);
    expect(keys).toContain(snsArchiveKey(confirmation));
    expect([...keys].sort()).toEqual(keys);
  });
});
