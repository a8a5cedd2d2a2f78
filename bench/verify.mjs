// Benchmark 1: SNS signature verification throughput (messages/s) of kuratchi's verifySnsMessage
// with a warm certificate cache, against the published npm validators sns-validator and
// sns-payload-validator (their HTTPS certificate fetch answered by a local server: Node's
// https.get is pointed at it, so each fetches the PEM once and then uses its own cache), and
// against the floor: crypto.subtle.verify with an already imported key, on the same messages.
// Also a fetchCertificate made per call (`async (url) => pem`, as a handler naturally writes it)
// against one stable function of the same body; the run counts their calls and the key imports, and
// fails unless neither fetcher is called once the certificate URL is cached, and nothing imported.
// Fair and stable: every contender verifies the same 300 messages REPEAT times per sample (about a
// half a second), contenders take turns in each of ROUNDS rounds, and the median is kept.
import { X509Certificate } from 'node:crypto';
import { createServer, get as httpGet } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
// snsStringToSign: the canonical string SNS signs, so that the crypto floor verifies exactly the
// bytes verifySnsMessage verifies (from the internal subpath the dashboard uses too).
import { parseSnsMessage, snsStringToSign, verifySnsMessage } from 'kuratchi-sdk/internal/verify';
import { createSnsSigner } from 'kuratchi-sdk/email/testing';
import { compareInRounds, report, result } from './lib.mjs';

const require = createRequire(import.meta.url);
const MESSAGES = 300;
/** Passes over the messages per sample, and rounds (overridable: BENCH_VERIFY_REPEAT, _ROUNDS). */
const REPEAT = Number(process.env.BENCH_VERIFY_REPEAT ?? 8);
const ROUNDS = Number(process.env.BENCH_VERIFY_ROUNDS ?? 11);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';

const signer = await createSnsSigner({
  certUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
});
const bodies = [];
for (let i = 0; i < MESSAGES; i++) {
  const signed = await signer.sign({
    Type: 'Notification',
    MessageId: `bench-${i}`,
    TopicArn: TOPIC,
    Message: JSON.stringify({ eventType: 'Open', mail: { messageId: `m-${i}` }, open: { ipAddress: '192.0.2.1' } }),
    Timestamp: new Date().toISOString(),
  });
  bodies.push(JSON.stringify(signed));
}

// The peers fetch the certificate with https.get: answer it from 127.0.0.1.
const server = createServer((request, response) => response.end(signer.certificatePem));
await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
const local = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
https.get = /** @type {typeof https.get} */ (
  /** @param {string | URL} url @param {any} options @param {any} [callback] */
  (url, options, callback) => {
    const path = new URL(typeof url === 'string' ? url : url.href).pathname;
    return httpGet(`${local}${path}`, typeof options === 'function' ? options : (callback ?? options));
  }
);

const SnsValidator = require('sns-validator');
const SnsPayloadValidator = require('sns-payload-validator');
const snsValidator = new SnsValidator();
const snsPayloadValidator = new SnsPayloadValidator();
const pem = signer.certificatePem;
/** The stable fetcher: the same body as the per-call one, made once. */
let stableCalls = 0;
const stableFetcher = async () => {
  stableCalls++;
  return pem;
};
let perCallCalls = 0;
const options = { fetchCertificate: stableFetcher, allowedTopicArns: [TOPIC] };
const key = await crypto.subtle.importKey(
  'spki',
  new Uint8Array(new X509Certificate(signer.certificatePem).publicKey.export({ type: 'spki', format: 'der' })),
  { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  false,
  ['verify'],
);
const prepared = bodies.map((text) => {
  const message = parseSnsMessage(text);
  return {
    signature: Uint8Array.from(atob(message.Signature), (c) => c.charCodeAt(0)),
    data: new TextEncoder().encode(snsStringToSign(message)),
  };
});

/** Runs `verify` over every body with `inFlight` verifications at a time (1: one after another). */
async function each(items, inFlight, verify) {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) await verify(items[next++]);
    }),
  );
}
const IN_FLIGHT = 16;

const contenders = {
  async kuratchi() {
    for (const body of bodies) await verifySnsMessage(body, options);
  },
  async kuratchiPerCallFetcher() {
    for (const body of bodies) {
      await verifySnsMessage(body, {
        allowedTopicArns: options.allowedTopicArns,
        // A new function per call, as a handler writes it inline.
        fetchCertificate: async () => {
          perCallCalls++;
          return pem;
        },
      });
    }
  },
  async kuratchiConcurrent() {
    await each(bodies, IN_FLIGHT, (body) => verifySnsMessage(body, options));
  },
  async 'sns-validator-concurrent'() {
    await each(
      bodies,
      IN_FLIGHT,
      (body) =>
        new Promise((resolve, reject) =>
          snsValidator.validate(body, (error) => (error ? reject(error) : resolve(undefined))),
        ),
    );
  },
  async 'sns-payload-validator-concurrent'() {
    await each(bodies, IN_FLIGHT, (body) => snsPayloadValidator.validate(JSON.parse(body)));
  },
  async floorConcurrent() {
    await each(prepared, IN_FLIGHT, async ({ signature, data }) => {
      if (!(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data))) throw new Error('floor failed');
    });
  },
  async 'sns-validator'() {
    for (const body of bodies) {
      await new Promise((resolve, reject) =>
        snsValidator.validate(body, (error) => (error ? reject(error) : resolve(undefined))),
      );
    }
  },
  async 'sns-payload-validator'() {
    for (const body of bodies) await snsPayloadValidator.validate(JSON.parse(body));
  },
  async floor() {
    for (const { signature, data } of prepared) {
      if (!(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data))) throw new Error('floor failed');
    }
  },
};
// Counts key imports from here on: after the warm-up, no contender of ours may import a key.
let imports = 0;
const importKey = crypto.subtle.importKey.bind(crypto.subtle);
crypto.subtle.importKey = /** @type {typeof importKey} */ (
  /** @param {any[]} args */
  (...args) => {
    imports++;
    return Reflect.apply(importKey, undefined, args);
  }
);
let samples = 0;
const rates = await compareInRounds(contenders, {
  rounds: ROUNDS,
  measure: async (run) => {
    if (++samples === 1) {
      // compareInRounds warmed every contender up (one run each, not measured): count from here.
      imports = 0;
      stableCalls = 0;
      perCallCalls = 0;
    }
    const start = performance.now();
    for (let pass = 0; pass < REPEAT; pass++) await run();
    return ((MESSAGES * REPEAT) / (performance.now() - start)) * 1000;
  },
});
server.close();
crypto.subtle.importKey = importKey;
const perCallVerifications = MESSAGES * REPEAT * ROUNDS;
console.log(
  `measured rounds: ${perCallCalls} calls of the per-call fetchers for ${perCallVerifications} verifications, ` +
    `${stableCalls} of the stable one, ${imports} key imports by anyone (sns-validator and sns-payload-validator ` +
    `use node:crypto, not crypto.subtle)`,
);
if (perCallCalls !== 0 || stableCalls !== 0 || imports !== 0) {
  console.error('✗ a cached certificate URL must cost no call of any fetcher, and no key may be imported');
  process.exitCode = 1;
}

const fasterPeer = rates['sns-validator'] >= rates['sns-payload-validator'] ? 'sns-validator' : 'sns-payload-validator';
const fasterConcurrentPeer =
  rates['sns-validator-concurrent'] >= rates['sns-payload-validator-concurrent']
    ? 'sns-validator-concurrent'
    : 'sns-payload-validator-concurrent';
report([
  result(
    'verify-concurrent-vs-faster-peer',
    `SNS verification, ${IN_FLIGHT} in flight, vs the faster npm validator`,
    'messages/s',
    rates.kuratchiConcurrent,
    rates[fasterConcurrentPeer],
    `${fasterConcurrentPeer.replace('-concurrent', '')} (warm cache, ${IN_FLIGHT} in flight)`,
    '≥ 3',
  ),
  result(
    'verify-concurrent-vs-floor',
    `SNS verification, ${IN_FLIGHT} in flight, vs the floor`,
    'messages/s',
    rates.kuratchiConcurrent,
    rates.floorConcurrent,
    `crypto.subtle.verify, key imported, ${IN_FLIGHT} in flight`,
    '≥ 0.75',
  ),
  result(
    'verify-one-vs-faster-peer',
    'SNS verification, one at a time, vs the faster npm validator',
    'messages/s',
    rates.kuratchi,
    rates[fasterPeer],
    `${fasterPeer} (warm cache)`,
    'n/a',
  ),
  result(
    'verify-one-vs-floor',
    'SNS verification, one at a time, vs the floor',
    'messages/s',
    rates.kuratchi,
    rates.floor,
    'crypto.subtle.verify, key imported',
    '≥ 0.85',
  ),
  result(
    'verify-per-call-fetcher',
    'SNS verification, a fetchCertificate made per call vs a stable one',
    'messages/s',
    rates.kuratchiPerCallFetcher,
    rates.kuratchi,
    'verifySnsMessage, one fetchCertificate for every call',
    '≥ 0.8',
  ),
  result(
    'verify-sns-validator-vs-floor',
    'sns-validator (for reference) vs the floor',
    'messages/s',
    rates['sns-validator'],
    rates.floor,
    'crypto.subtle.verify, key imported',
    'n/a',
  ),
  result(
    'verify-sns-payload-validator-vs-floor',
    'sns-payload-validator (for reference) vs the floor',
    'messages/s',
    rates['sns-payload-validator'],
    rates.floor,
    'crypto.subtle.verify, key imported',
    'n/a',
  ),
]);
