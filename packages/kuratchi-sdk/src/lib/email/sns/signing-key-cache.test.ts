import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createSigningKeyCache, defaultSigningKeyCache, type FetchCertificate } from './signing-key-cache.js';
import type { SnsMessage } from './sns-message.js';
import { verifySnsMessage } from './sns-verify.js';
import { createSnsSigner, type SnsSigner } from '../testing/sns-signer.js';
import { TEST_NOW } from '../../../../test/clock.js';

/**
 * The certificate cache, through the verifier and directly: real keys and certificates from the
 * testing signer; fetches are counted through the injected `fetchCertificate`. Every time is
 * derived from NOW (message Timestamps, the `now` of each verification, and so the age of the
 * failures the cache remembers).
 */
const NOW = TEST_NOW;
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kuratchi-ses-events';
const hexUrl = (n: number) =>
  `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${n.toString(16).padStart(32, '0')}.pem`;

let signer: SnsSigner;
let impostor: SnsSigner;
let genuineUrl: string;

beforeAll(async () => {
  signer = await createSnsSigner();
  impostor = await createSnsSigner();
  genuineUrl = signer.certUrlFor(TOPIC);
});

function sign(id: string): Promise<SnsMessage> {
  return signer.sign({
    Type: 'Notification',
    MessageId: id,
    TopicArn: TOPIC,
    Message: '{"eventType":"Open"}',
    Timestamp: new Date(NOW.getTime() - 30_000).toISOString(),
  });
}

const options = (fetchCertificate: FetchCertificate, keyCache = createSigningKeyCache(), now = NOW) => ({
  fetchCertificate,
  keyCache,
  now,
  allowedTopicArns: [TOPIC],
});

function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'verified',
    (error: { code?: string }) => error.code,
  );
}

describe('failed certificate fetches', () => {
  it('are remembered for failureTtlSeconds of the verifier clock: no fetch, the same retryable error', async () => {
    const fetchCertificate = vi.fn(async (_url: string): Promise<string> => {
      throw new Error('HTTP 404');
    });
    const keyCache = createSigningKeyCache({ failureTtlSeconds: 10 });
    const message = await sign('m-1');
    const verify = (seconds: number) =>
      codeOf(verifySnsMessage(message, options(fetchCertificate, keyCache, at(seconds))));
    expect(await verify(0)).toBe('certificate-unavailable');
    expect(await verify(1)).toBe('certificate-unavailable');
    expect(await verify(9.999)).toBe('certificate-unavailable');
    expect(fetchCertificate).toHaveBeenCalledTimes(1);
    expect(await verify(10)).toBe('certificate-unavailable');
    expect(fetchCertificate).toHaveBeenCalledTimes(2);
  });

  it('are remembered by URL, for any fetcher, but not at a time before they happened', async () => {
    const failing = vi.fn(async (_url: string): Promise<string> => {
      throw new Error('HTTP 503');
    });
    const keyCache = createSigningKeyCache();
    const message = await sign('m-2');
    expect(await codeOf(verifySnsMessage(message, options(failing, keyCache, at(5))))).toBe('certificate-unavailable');
    expect(await codeOf(verifySnsMessage(message, options(failing, keyCache, at(4))))).toBe('certificate-unavailable');
    expect(failing).toHaveBeenCalledTimes(2);
    const another = vi.fn(signer.fetchCertificate);
    expect(await codeOf(verifySnsMessage(message, options(another, keyCache, at(5))))).toBe('certificate-unavailable');
    expect(another).not.toHaveBeenCalled();
    expect(await codeOf(verifySnsMessage(message, options(another, keyCache, at(15))))).toBe('verified');
    expect(another).toHaveBeenCalledTimes(1);
  });

  it('are bounded: the oldest is forgotten first', async () => {
    const fetchCertificate = vi.fn(async (_url: string): Promise<string> => {
      throw new Error('HTTP 404');
    });
    const keyCache = createSigningKeyCache({ maxFailures: 2 });
    for (const n of [1, 2, 3]) await expect(keyCache.load(hexUrl(n), fetchCertificate, NOW)).rejects.toThrow();
    await expect(keyCache.load(hexUrl(3), fetchCertificate, NOW)).rejects.toThrow();
    await expect(keyCache.load(hexUrl(2), fetchCertificate, NOW)).rejects.toThrow();
    expect(fetchCertificate).toHaveBeenCalledTimes(3);
    await expect(keyCache.load(hexUrl(1), fetchCertificate, NOW)).rejects.toThrow();
    expect(fetchCertificate).toHaveBeenCalledTimes(4);
  });
});

describe('certificates that verified a signature', () => {
  it('stay cached while forged messages cycle 17 other real certificate URLs through the 16-entry cache', async () => {
    const fetchCertificate = vi.fn(async (url: string) =>
      url === genuineUrl ? signer.certificatePem : `${impostor.certificatePem}\n${url}\n`,
    );
    const keyCache = createSigningKeyCache();
    await expect(verifySnsMessage(await sign('genuine-1'), options(fetchCertificate, keyCache))).resolves.toBeTruthy();
    const forged = await sign('forged');
    for (let n = 1; n <= 17; n++) {
      const attempt = verifySnsMessage({ ...forged, SigningCertURL: hexUrl(n) }, options(fetchCertificate, keyCache));
      expect(await codeOf(attempt)).toBe('signature-mismatch');
    }
    await expect(verifySnsMessage(await sign('genuine-2'), options(fetchCertificate, keyCache))).resolves.toBeTruthy();
    expect(fetchCertificate.mock.calls.filter(([url]) => url === genuineUrl)).toHaveLength(1);
    expect(keyCache.size).toBeLessThanOrEqual(16);
  });

  it('keep their parsed key while 17 other certificate texts pass through (fetchers made per call)', async () => {
    const keyCache = createSigningKeyCache();
    const genuineFetcher = () => async () => signer.certificatePem;
    await verifySnsMessage(await sign('genuine-3'), options(genuineFetcher(), keyCache));
    const first = await keyCache.load(genuineUrl, genuineFetcher(), NOW);
    expect(first.verified).toBe(true);
    for (let n = 1; n <= 17; n++) {
      const text = `${impostor.certificatePem}\n${n}\n`;
      await keyCache.load(hexUrl(n), async () => text, NOW);
    }
    expect(keyCache.size).toBe(16);
    expect(await keyCache.load(genuineUrl, genuineFetcher(), NOW)).toBe(first);
  });
});

describe('fetchers made per call', () => {
  it('fetch once for N messages of one certificate URL, and again only for another URL', async () => {
    const keyCache = createSigningKeyCache();
    const calls: string[] = [];
    const perCall = () => async (url: string) => (calls.push(url), signer.certificatePem);
    for (let n = 0; n < 20; n++) {
      await expect(verifySnsMessage(await sign(`per-call-${n}`), options(perCall(), keyCache))).resolves.toBeTruthy();
    }
    expect(calls).toEqual([genuineUrl]);
    const a = await keyCache.load(genuineUrl, perCall(), NOW);
    expect(await keyCache.load(genuineUrl, perCall(), NOW)).toBe(a);
    expect(a.verified).toBe(true);
    const otherUrl = signer.certUrlFor('arn:aws:sns:eu-west-1:123456789012:kuratchi-ses-events');
    expect(await keyCache.load(otherUrl, perCall(), NOW)).not.toBe(a);
    expect(calls).toEqual([genuineUrl, otherUrl]);
    expect(keyCache.size).toBe(2);
  });

  it('fetch once through the isolate default cache when no keyCache is given', async () => {
    const own = await createSnsSigner();
    expect(defaultSigningKeyCache()).toBe(defaultSigningKeyCache());
    let calls = 0;
    for (let n = 0; n < 20; n++) {
      const message = await own.sign({
        Type: 'Notification',
        MessageId: `d-${n}`,
        TopicArn: TOPIC,
        Message: 'x',
        Timestamp: NOW.toISOString(),
      });
      const fetchCertificate = async () => (calls++, own.certificatePem);
      await verifySnsMessage(message, { fetchCertificate, now: NOW, allowedTopicArns: [TOPIC] });
    }
    expect(calls).toBe(1);
    // Held by the isolate's cache (other test files of this isolate have filled it too): a load
    // whose fetcher would fail is answered from it.
    const held = await defaultSigningKeyCache().load(
      own.certUrlFor(TOPIC),
      () => Promise.reject(new Error('fetched again: not held')),
      NOW,
    );
    expect(held.verified).toBe(true);
  });
});

describe('createSigningKeyCache', () => {
  it('refuses bounds that are not positive integers and negative TTLs', () => {
    expect(() => createSigningKeyCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => createSigningKeyCache({ maxFailures: 1.5 })).toThrow(RangeError);
    expect(() => createSigningKeyCache({ failureTtlSeconds: -1 })).toThrow(RangeError);
  });
});
