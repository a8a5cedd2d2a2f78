// Benchmark: SNS signature verification throughput of the built verifySnsMessage (certificate
// cache warm) against the floor, a bare crypto.subtle.verify with an already imported key, on
// the same signed messages in the same run. Medians over several rounds after a warm-up.
// Writes bench/results.json at the repository root: [{ name, unit, ours, baseline, baselineName, ratio }].
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snsStringToSign, verifySnsMessage } from 'kuratchi-sdk/email';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';

const MESSAGES = 200;
const ROUNDS = 7;
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';

const signer = await createSnsSigner();
const messages = [];
for (let i = 0; i < MESSAGES; i++) {
  messages.push(
    JSON.stringify(
      await signer.sign({
        Type: 'Notification',
        MessageId: `bench-${i}`,
        TopicArn: TOPIC,
        Message: JSON.stringify({ eventType: 'Open', n: i }),
        Timestamp: new Date().toISOString(),
      }),
    ),
  );
}
const options = { fetchCertificate: signer.fetchCertificate, allowedTopicArns: [TOPIC] };

// The floor: what any verifier must at least do per message, with the key already imported.
const { readSigningCertificate, parseSnsMessage } = await import('kuratchi-sdk/email');
const key = await crypto.subtle.importKey(
  'spki',
  readSigningCertificate(signer.certificatePem).spki,
  { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  false,
  ['verify'],
);
const prepared = messages.map((text) => {
  const message = parseSnsMessage(text);
  return { signature: Uint8Array.from(atob(message.Signature), (c) => c.charCodeAt(0)), data: new TextEncoder().encode(snsStringToSign(message)) };
});

async function rate(run) {
  const start = performance.now();
  await run();
  return (MESSAGES / (performance.now() - start)) * 1000;
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs the contenders in alternating rounds (so drift of the machine hits both alike). */
async function compare(contenders) {
  for (const run of Object.values(contenders)) await run(); // warm-up: certificate cache, JIT
  const rates = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) rates[name].push(await rate(run));
  }
  return Object.fromEntries(Object.entries(rates).map(([name, values]) => [name, median(values)]));
}

const { ours, floor } = await compare({
  async ours() {
    for (const text of messages) await verifySnsMessage(text, options);
  },
  async floor() {
    for (const { signature, data } of prepared) {
      if (!(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data))) throw new Error('floor failed');
    }
  },
});

const results = [
  {
    name: 'verifySnsMessage (warm cache) vs bare crypto.subtle.verify',
    unit: 'messages/s',
    ours: Math.round(ours),
    baseline: Math.round(floor),
    baselineName: 'crypto.subtle.verify with an imported key',
    ratio: Number((ours / floor).toFixed(3)),
  },
];
console.table(results);
const out = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${out}`);
