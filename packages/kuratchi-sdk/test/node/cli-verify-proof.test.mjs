// `kuratchi-ses verify-proof` as a process: a proof bundle of messages signed with a real RSA key
// (the SDK's SNS signer), in the bundle format the dashboard serves, verifies offline with one
// line per message; a changed byte of a Message, a swapped certificate and a changed hash each fail
// with exit 1 naming the message. The process runs with a fetch that would fail: nothing is fetched.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { sha256Hex, snsArchiveKey } from 'kuratchi-sdk/internal/events';
import { buildSesEvent, createSnsSigner } from 'kuratchi-sdk/email/testing';
import { runCli } from './cli-run.mjs';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events';
// The bundle's messages carry their own times; the verifier checks each as of its Timestamp.
const SENT = new Date(Date.UTC(2026, 10, 28, 12));

let dir;
let signer;
let other;
let bundle;

/** The proof bundle format (kuratchi-sdk/internal/events `proofBundleSchema`), built from signed messages. */
async function proofBundle(sesMessageId, specs) {
  const messages = [];
  for (const [i, spec] of specs.entries()) {
    const time = new Date(SENT.getTime() + i * 60_000);
    const signed = await signer.sign({
      Type: 'Notification',
      MessageId: crypto.randomUUID(),
      TopicArn: TOPIC,
      Message: JSON.stringify(buildSesEvent({ ...spec, messageId: sesMessageId, time, recipients: ['x@example.com'] })),
      Timestamp: new Date(time.getTime() + 1000).toISOString(),
    });
    messages.push({
      archiveKey: snsArchiveKey(signed),
      snsMessageId: signed.MessageId,
      eventType: spec.eventType,
      certificateUrl: new URL(signed.SigningCertURL).href,
      certificateSha256: await sha256Hex(signer.certificatePem),
      raw: JSON.stringify(signed),
    });
  }
  return {
    format: 'kuratchi-ses-proof',
    version: 1,
    emailId: 'email-1',
    sesMessageId,
    generatedAt: new Date(SENT.getTime() + 3_600_000).toISOString(),
    messages,
    certificates: [
      { url: messages[0].certificateUrl, sha256: await sha256Hex(signer.certificatePem), pem: signer.certificatePem },
    ],
    notProvable: [
      { snsMessageId: 'before-the-archive', eventType: 'Send', occurredAt: SENT.getTime(), reason: 'not-archived' },
    ],
  };
}

async function write(name, value) {
  const path = join(dir, name);
  await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kuratchi-proof-'));
  [signer, other] = await Promise.all([createSnsSigner(), createSnsSigner()]);
  bundle = await proofBundle('ses-0001', [{ eventType: 'Delivery' }, { eventType: 'Bounce' }, { eventType: 'Open' }]);
});

describe('kuratchi-ses verify-proof', { concurrency: true }, () => {
  it('a self-made certificate at the SNS URL, messages re-signed with it: never proven, whatever the topic', async () => {
    // The attack of issue 31: the bundle's own hash vouches for its own certificate. Only a chain
    // to a pinned Amazon root for the URL's host makes a certificate Amazon SNS's.
    const file = await write('self-made.json', bundle);
    const { code, stdout } = await runCli(['verify-proof', file, '--topic-arn', TOPIC]);
    assert.equal(code, 1, stdout);
    const lines = stdout.trim().split('\n');
    assert.equal(lines[0], 'email email-1 (SES message ses-0001)');
    assert.match(
      lines[1],
      new RegExp(
        `^ {2}FAILED {2}message 1 \\(SNS [0-9a-f-]{36}, topic ${TOPIC}\\): the certificate is not Amazon SNS's: `,
      ),
    );
    assert.match(lines[4], /^ {2}n\/a {5}Send \(SNS before-the-archive\): not provable \(not-archived\)/);
    assert.equal(lines[5], 'verdict: FAILED: 3 of 3 message(s) did not verify');
    const json = await runCli(['verify-proof', file, '--topic-arn', TOPIC, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(
      JSON.parse(json.stdout).messages.map((m) => [m.status, m.topicArn]),
      [
        ['failed', TOPIC],
        ['failed', TOPIC],
        ['failed', TOPIC],
      ],
    );
  });

  it('without --topic-arn nothing is proven; another topic (comma list or repeated flag) fails naming it', async () => {
    const file = join(dir, 'self-made.json');
    const bare = await runCli(['verify-proof', file]);
    assert.equal(bare.code, 1);
    assert.match(
      bare.stdout,
      new RegExp(`FAILED {2}message 1 \\(SNS [0-9a-f-]{36}, topic ${TOPIC}\\): .*\\[topic not checked`),
    );
    assert.doesNotMatch(bare.stdout, /verdict: proven/);
    const mine = 'arn:aws:sns:eu-west-1:210987654321:mine';
    for (const flags of [
      ['--topic-arn', `${mine},arn:aws:sns:us-east-1:210987654321:other`],
      ['--topic-arn', mine, '--topic-arn', 'arn:aws:sns:us-east-1:210987654321:other'],
    ]) {
      const other = await runCli(['verify-proof', file, ...flags]);
      assert.equal(other.code, 1);
      assert.match(
        other.stdout,
        new RegExp(`FAILED {2}message 1 .*signed for topic ${TOPIC}, not one of the given topics`),
      );
    }
  });

  it('a changed byte of a Message fails with exit 1 and names the message', async () => {
    const tampered = structuredClone(bundle);
    const envelope = JSON.parse(tampered.messages[1].raw);
    envelope.Message = envelope.Message.replace('Permanent', 'Transient');
    tampered.messages[1].raw = JSON.stringify(envelope);
    const { code, stdout } = await runCli([
      'verify-proof',
      await write('tampered.json', tampered),
      '--topic-arn',
      TOPIC,
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /^ {2}FAILED {2}message 1 .*: the certificate is not Amazon SNS's: /m);
    assert.match(
      stdout,
      /^ {2}FAILED {2}message 2 \(SNS [0-9a-f-]{36}, topic [^)]+\): signature does not match the message$/m,
    );
    assert.match(stdout, /^verdict: FAILED: 3 of 3 message\(s\) did not verify$/m);
  });

  it('a swapped certificate fails, whether its hash was updated or not', async () => {
    const swapped = structuredClone(bundle);
    const sha = await sha256Hex(other.certificatePem);
    swapped.certificates[0] = { ...swapped.certificates[0], pem: other.certificatePem, sha256: sha };
    for (const m of swapped.messages) m.certificateSha256 = sha;
    const signature = await runCli(['verify-proof', await write('swapped.json', swapped)]);
    assert.equal(signature.code, 1);
    assert.equal((signature.stdout.match(/FAILED {2}message \d .*signature does not match/g) ?? []).length, 3);

    const unhashed = structuredClone(bundle);
    unhashed.certificates[0].pem = other.certificatePem;
    const hash = await runCli(['verify-proof', await write('unhashed.json', unhashed)]);
    assert.equal(hash.code, 1);
    assert.match(hash.stdout, /FAILED {2}message 1 .*is not the one archived for it \(SHA-256 differs\)/);
  });

  it('an email whose events the events retention purged: exit 1, the cutoff given as the reason', async () => {
    const before = new Date(SENT.getTime() - 86_400_000).toISOString();
    const purged = { ...bundle, messages: [], notProvable: [], eventsExpired: { reason: 'events-expired', before } };
    const { code, stdout } = await runCli(['verify-proof', await write('purged.json', purged), '--topic-arn', TOPIC]);
    assert.equal(code, 1, stdout);
    const lines = stdout.trim().split('\n');
    assert.equal(lines[1], `  n/a     events before ${before}: deleted by the events retention (events-expired)`);
    assert.equal(
      lines[2],
      `verdict: FAILED: the bundle holds no archived message: nothing is proven (the email's events before ${before} were deleted by the events retention)`,
    );
  });

  it('refuses what is not a bundle: exit 1 for a wrong format, 2 for a file that is not JSON', async () => {
    const wrong = await runCli(['verify-proof', await write('v2.json', { ...bundle, version: 2 })]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /verdict: FAILED: not a proof bundle of this version: version/);
    const empty = await runCli(['verify-proof', await write('empty.json', { ...bundle, messages: [] })]);
    assert.equal(empty.code, 1);
    assert.match(empty.stdout, /nothing is proven/);
    const text = await runCli(['verify-proof', await write('text.json', 'not json')]);
    assert.equal(text.code, 2);
    assert.match(text.stderr, /is not JSON/);
    assert.equal((await runCli(['verify-proof'])).code, 2);
  });
});
