import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import { d1SinkPorts, insertEmail, ORGS, seedOrganizations } from '../../../../test/seed.js';
import { createR2SnsArchive } from './r2-sns-archive.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { createSesEventIngestor } from '../ingest/ingest.js';
import { buildProofBundle, type ProofBundle, type ProofEventInput } from './proof-bundle.js';
import { verifyProofBundle } from './proof-verify.js';
import { sha256Hex, snsArchiveKey } from './sns-archive.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
const NOW = TEST_NOW;
const archive = () => createR2SnsArchive(env.SES_ARCHIVE);

let signer: SnsSigner;
let other: SnsSigner;
beforeAll(async () => {
  [signer, other] = await Promise.all([createSnsSigner(), createSnsSigner()]);
  await seedOrganizations();
});

/** Sends an email's events through the archiving ingestor and returns its proof bundle. */
async function provenEmail(specs: { eventType: SesEventSpec['eventType'] }[], unarchived = 0): Promise<ProofBundle> {
  const sesMessageId = `ses-${crypto.randomUUID()}`;
  const emailId = await insertEmail(env.ORG_DB_ACME, { sesMessageId, recipient: 'x@example.com' });
  await env.ADMIN_DB.prepare('INSERT INTO email_message_lookup VALUES (?, ?, ?, 0)')
    .bind(sesMessageId, ORGS.acme, emailId)
    .run();
  const ingestor = createSesEventIngestor({
    ...d1SinkPorts(() => NOW),
    allowedTopicArns: [TOPIC],
    fetchCertificate: signer.fetchCertificate,
    archive: archive(),
  });
  const events: ProofEventInput[] = [];
  for (const [i, spec] of specs.entries()) {
    const time = new Date(NOW.getTime() - 60_000 + i * 1000);
    const signed = await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(buildSesEvent({ ...spec, messageId: sesMessageId, time } as SesEventSpec)),
      Timestamp: new Date(NOW.getTime() - 1000).toISOString(),
    } as never);
    expect((await ingestor.ingest(JSON.stringify(signed))).body.outcome).toBe('applied');
    events.push({
      snsMessageId: signed.MessageId,
      eventType: spec.eventType,
      occurredAt: time.getTime(),
      archiveKey: snsArchiveKey(signed),
    });
  }
  for (let i = 0; i < unarchived; i++) {
    events.push({ snsMessageId: `old-${i}`, eventType: 'Open', occurredAt: NOW.getTime(), archiveKey: null });
  }
  return buildProofBundle(archive(), { emailId, sesMessageId, events, now: NOW });
}

/** A deep copy to tamper with. */
const copy = (bundle: ProofBundle): ProofBundle => structuredClone(bundle);

/** The test's trust in place of Amazon's roots: only the test signer's certificate. */
const trusted = {
  topicArns: [TOPIC],
  certificateTrust: ({ pem }: { pem: string }) => {
    if (pem !== signer.certificatePem) throw new Error('not the pinned test certificate');
  },
};

describe('proof bundles', () => {
  it('bundle the raw messages and their certificate once; verify offline, each with what it proves', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }, { eventType: 'Bounce' }, { eventType: 'Open' }], 1);
    expect(bundle).toMatchObject({ format: 'kuratchi-ses-proof', version: 1 });
    expect(bundle.messages).toHaveLength(3);
    expect(bundle.certificates).toEqual([
      {
        url: expect.stringMatching(/^https:\/\/sns\.eu-west-1\.amazonaws\.com\//),
        sha256: await sha256Hex(signer.certificatePem),
        pem: signer.certificatePem,
      },
    ]);
    expect(bundle.notProvable).toEqual([expect.objectContaining({ snsMessageId: 'old-0', reason: 'not-archived' })]);
    // The raw message is the archived object, byte for byte.
    const stored = await env.SES_ARCHIVE.get(bundle.messages[0]!.archiveKey);
    expect(bundle.messages[0]!.raw).toBe(await stored!.text());

    const verdict = await verifyProofBundle(JSON.parse(JSON.stringify(bundle)), trusted);
    expect(verdict).toMatchObject({ ok: true, verdict: 'proven' });
    expect(verdict.messages.map((m) => [m.status, m.topicArn])).toEqual([
      ['proven', TOPIC],
      ['proven', TOPIC],
      ['proven', TOPIC],
    ]);
    expect(verdict.messages[0]!.statement).toMatch(/^Delivered to .+ at \d{4}-\d\d-\d\dT.+Z/);
    expect(verdict.messages[1]!.statement).toMatch(/^Bounced \(Permanent\/General\) .+ at /);
    expect(verdict.messages[2]!.statement).toMatch(/^Opened at .+ from /);
  });

  it('a changed byte of any Message fails that message, and only that one', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }, { eventType: 'Open' }]);
    for (const index of [0, 1]) {
      const tampered = copy(bundle);
      const entry = tampered.messages[index]!;
      const envelope = JSON.parse(entry.raw) as Record<string, string>;
      envelope.Message = envelope.Message!.replace(
        /"timestamp":"(\d)/,
        (_, d: string) => `"timestamp":"${(Number(d) + 1) % 10}`,
      );
      expect(envelope.Message).not.toBe((JSON.parse(bundle.messages[index]!.raw) as Record<string, string>).Message);
      entry.raw = JSON.stringify(envelope);
      const verdict = await verifyProofBundle(tampered, trusted);
      expect(verdict).toMatchObject({ ok: false, verdict: 'failed' });
      expect(verdict.messages.map((m) => m.ok)).toEqual([index !== 0, index !== 1]);
      expect(verdict.messages[index]!.error).toMatch(/signature does not match/);
    }
  });

  it('a swapped certificate fails: another key (hashes updated) or another PEM under the recorded hash', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const swapped = copy(bundle);
    const sha = await sha256Hex(other.certificatePem);
    swapped.certificates[0] = { ...swapped.certificates[0]!, pem: other.certificatePem, sha256: sha };
    swapped.messages[0]!.certificateSha256 = sha;
    expect((await verifyProofBundle(swapped)).messages[0]!.error).toMatch(/signature does not match/);

    const unhashed = copy(bundle);
    unhashed.certificates[0]!.pem = other.certificatePem;
    expect((await verifyProofBundle(unhashed)).messages[0]!.error).toMatch(/not the one archived for it/);
  });

  it('refuses a certificate URL off the SNS host, a message of another email, and a malformed bundle', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const offHost = copy(bundle);
    const url = 'https://example.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
    const envelope = JSON.parse(offHost.messages[0]!.raw) as Record<string, string>;
    offHost.messages[0]!.raw = JSON.stringify({ ...envelope, SigningCertURL: url });
    offHost.messages[0]!.certificateUrl = url;
    offHost.certificates[0]!.url = url;
    expect((await verifyProofBundle(offHost)).messages[0]!.error).toMatch(/SigningCertURL/);

    const otherEmail = copy(bundle);
    otherEmail.sesMessageId = 'ses-someone-else';
    expect((await verifyProofBundle(otherEmail)).messages[0]!.error).toMatch(/not ses-someone-else/);

    expect(await verifyProofBundle({ ...bundle, version: 2 })).toMatchObject({ ok: false, error: /version/ });
    expect(await verifyProofBundle('{')).toMatchObject({ ok: false });
    expect(await verifyProofBundle({ ...bundle, messages: [] })).toMatchObject({
      ok: false,
      error: /nothing is proven/,
    });
  });

  it('is never proven without a topic given independently and a certificate check: signature valid, not proven', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const bare = await verifyProofBundle(bundle);
    expect(bare).toMatchObject({ ok: false, verdict: 'not-proven' });
    expect(bare.messages[0]).toMatchObject({ status: 'signature-valid', topicArn: TOPIC });
    expect(bare.messages[0]!.unchecked).toEqual([expect.stringMatching(/topic/), expect.stringMatching(/certificate/)]);
    const topicOnly = await verifyProofBundle(bundle, { topicArns: [TOPIC] });
    expect(topicOnly).toMatchObject({ ok: false, verdict: 'not-proven' });
    expect(topicOnly.messages[0]!.unchecked).toEqual([expect.stringMatching(/certificate/)]);
  });

  it("fails a validly signed message of another topic (any AWS account's topic signs), naming its topic", async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const mine = 'arn:aws:sns:eu-west-1:210987654321:my-deployment';
    const verdict = await verifyProofBundle(bundle, { ...trusted, topicArns: [mine] });
    expect(verdict).toMatchObject({ ok: false, verdict: 'failed' });
    expect(verdict.messages[0]).toMatchObject({ status: 'failed', topicArn: TOPIC });
    expect(verdict.messages[0]!.error).toContain(`signed for topic ${TOPIC}, not one of the given topics`);
  });

  it('fails a message whose certificate the trust check refuses (a self-made certificate at the same URL)', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const verdict = await verifyProofBundle(bundle, {
      topicArns: [TOPIC],
      certificateTrust: () => {
        throw new Error('no chain to a pinned Amazon root');
      },
    });
    expect(verdict).toMatchObject({ ok: false, verdict: 'failed' });
    expect(verdict.messages[0]!.error).toMatch(/not Amazon SNS's: no chain to a pinned Amazon root/);
  });

  it('lists an event whose archived object is gone as not provable', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    await env.SES_ARCHIVE.delete(bundle.messages[0]!.archiveKey);
    const again = await buildProofBundle(archive(), {
      emailId: bundle.emailId,
      sesMessageId: bundle.sesMessageId,
      events: [
        {
          snsMessageId: bundle.messages[0]!.snsMessageId,
          eventType: 'Delivery',
          occurredAt: 0,
          archiveKey: bundle.messages[0]!.archiveKey,
        },
      ],
      now: NOW,
    });
    expect(again.messages).toEqual([]);
    expect(again.notProvable).toEqual([expect.objectContaining({ reason: 'archive-missing' })]);
  });

  it('says an event is not provable because its message expired once the archive retention has passed', async () => {
    const bundle = await provenEmail([{ eventType: 'Delivery' }]);
    const { archiveKey, snsMessageId } = bundle.messages[0]!;
    await env.SES_ARCHIVE.delete(archiveKey);
    const events = [{ snsMessageId, eventType: 'Delivery', occurredAt: 0, archiveKey }];
    const at = (days: number) =>
      buildProofBundle(archive(), {
        emailId: bundle.emailId,
        sesMessageId: bundle.sesMessageId,
        events,
        now: new Date(NOW.getTime() + days * 86_400_000),
        archiveRetentionDays: 30,
      });
    // Within the retention a missing message is missing; past it, expired.
    expect((await at(29)).notProvable).toEqual([expect.objectContaining({ reason: 'archive-missing' })]);
    expect((await at(31)).notProvable).toEqual([expect.objectContaining({ snsMessageId, reason: 'archive-expired' })]);
  });
});
