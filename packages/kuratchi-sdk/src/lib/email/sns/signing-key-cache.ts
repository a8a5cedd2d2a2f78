import { SnsVerificationError } from './errors.js';
import { VerifiedLastLru } from './verified-last-lru.js';
import { readSigningCertificate, type SigningCertificate } from './x509.js';

/** Hash of an SNS signature: version 1 is SHA-1, version 2 is SHA-256. */
export type SnsSignatureHash = 'SHA-1' | 'SHA-256';

/** Fetches the PEM text at a (policy-checked) SigningCertURL. */
export type FetchCertificate = (url: string) => Promise<string>;

/** A signing certificate with its imported public keys (one per hash, imported on first use). */
export interface CachedSigningKey {
  readonly certificate: SigningCertificate;
  /** The PEM text the certificate was read from (what the raw archive keeps beside the messages). */
  readonly pem: string;
  /** True once a signature verified with this key ({@link SigningKeyCache.markVerified}). */
  readonly verified: boolean;
  keyFor(hash: SnsSignatureHash): Promise<CryptoKey>;
}

/**
 * A bounded cache of SNS signing certificates, owned by its caller (one per Worker isolate is
 * the intended use; {@link defaultSigningKeyCache} is the one used when none is given). It holds
 * only public certificates, never request data, and reads no clock: time comes from the caller.
 *
 * Keyed by the policy-checked SigningCertURL (only an allowed topic's own SNS host gets this far),
 * so a fetcher runs only on a miss, whether it is one function for the isolate's life or one made
 * per call. A cache trusts every fetcher it is given for the URLs they serve: a fetcher of
 * certificates that are not from AWS (a development certificate, a proof bundle's copy) gets a
 * cache of its own. Certificates that have verified a signature are evicted last, so forged
 * messages naming many real certificate URLs cannot push the genuine one out.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export interface SigningKeyCache {
  /**
   * The signing key of the certificate at `url`, as of `now` (the verifier's clock): the one
   * loaded for `url` before, without calling `fetchCertificate`; a failure for `url` less than
   * `failureTtlSeconds` ago, thrown again without calling it; otherwise one call of
   * `fetchCertificate` (shared by concurrent callers), whose PEM is parsed and whose keys are
   * imported once.
   * @throws {SnsVerificationError} `certificate-unavailable` when the fetch failed (a retry may
   *   succeed), `certificate-invalid` when the text is not a readable RSA certificate.
   */
  load(url: string, fetchCertificate: FetchCertificate, now: Date): Promise<CachedSigningKey>;
  /** Records that `key` (from this cache) verified a signature: it is then evicted last. */
  markVerified(key: CachedSigningKey): void;
  /** Number of certificate URLs held (for tests and memory checks). */
  readonly size: number;
}

/** Options of {@link createSigningKeyCache}. */
export interface SigningKeyCacheOptions {
  /** Most certificate URLs kept. Default 16 (SNS uses a few). */
  maxEntries?: number;
  /** Most failed URLs remembered (the oldest is forgotten first). Default 64. */
  maxFailures?: number;
  /**
   * How long a failed fetch is remembered, in seconds. Default 10: short enough that SNS's retry
   * of a genuine message (20 s apart by default for HTTP/S) always fetches afresh.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
   */
  failureTtlSeconds?: number;
}

interface KeyEntry extends CachedSigningKey {
  verified: boolean;
  readonly url: string;
}

/** A URL being loaded or loaded: the pending load, and its entry once loaded. */
interface Located {
  readonly pending: Promise<KeyEntry>;
  entry?: KeyEntry;
}

/**
 * Creates a {@link SigningKeyCache}, so a warm Worker verifies a message with one
 * `crypto.subtle.verify` and no fetch, parse or import, whatever fetcher it is given.
 * @throws {RangeError} when a bound is not a positive integer or the TTL is negative.
 */
export function createSigningKeyCache(options: SigningKeyCacheOptions = {}): SigningKeyCache {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 16);
  const maxFailures = positiveInteger('maxFailures', options.maxFailures ?? 64);
  const ttlSeconds = options.failureTtlSeconds ?? 10;
  if (!(ttlSeconds >= 0)) throw new RangeError('failureTtlSeconds must be zero or more');
  const ttlMs = ttlSeconds * 1000;

  const located = new VerifiedLastLru<Located>(maxEntries, (l) => l.entry?.verified === true);
  const failed = new Map<string, { error: SnsVerificationError; at: number }>();
  const own = new WeakSet<CachedSigningKey>();

  async function read(url: string, fetchCertificate: FetchCertificate): Promise<KeyEntry> {
    let pem: string;
    try {
      pem = await fetchCertificate(url);
    } catch (cause) {
      const message = `signing certificate could not be fetched: ${describe(cause)}`;
      throw new SnsVerificationError('certificate-unavailable', message, { cause });
    }
    let certificate: SigningCertificate;
    try {
      certificate = readSigningCertificate(pem);
    } catch (cause) {
      const message = `signing certificate is unreadable: ${describe(cause)}`;
      throw new SnsVerificationError('certificate-invalid', message, { cause });
    }
    const entry = keyEntry(url, pem, certificate);
    own.add(entry);
    return entry;
  }

  return {
    load(url, fetchCertificate, now) {
      const hit = located.get(url);
      if (hit) return hit.pending;
      const time = now.getTime();
      const failure = failed.get(url);
      if (failure && time >= failure.at && time < failure.at + ttlMs) {
        const { code, message } = failure.error;
        const again = `${message} (a failure of the last ${ttlSeconds} s, not fetched again yet)`;
        return Promise.reject(new SnsVerificationError(code, again, { cause: failure.error }));
      }
      failed.delete(url);
      const loading: Located = { pending: read(url, fetchCertificate).then((entry) => (loading.entry = entry)) };
      located.set(url, loading);
      loading.pending.catch((error: SnsVerificationError) => {
        if (located.peek(url) === loading) located.delete(url);
        failed.delete(url);
        failed.set(url, { error, at: time });
        if (failed.size > maxFailures) failed.delete(failed.keys().next().value!);
      });
      return loading.pending;
    },
    markVerified(key) {
      if (!own.has(key)) return;
      const entry = key as KeyEntry;
      entry.verified = true;
      // Back in (or kept in) the table even if unverified certificates had pushed it out meanwhile.
      if (located.peek(entry.url)?.entry !== entry) {
        located.set(entry.url, { pending: Promise.resolve(entry), entry });
      }
    },
    get size() {
      return located.size;
    },
  };
}

let isolateCache: SigningKeyCache | undefined;

/**
 * The cache `verifySnsMessage` uses when it is given no `keyCache`: one per isolate (module
 * scope), created on first use with the default bounds, for fetchers of the certificates SNS
 * serves. A caller that wants its own bounds, a fetcher of other certificates, or a test that
 * wants a clean slate, passes a cache of its own.
 */
export function defaultSigningKeyCache(): SigningKeyCache {
  isolateCache ??= createSigningKeyCache();
  return isolateCache;
}

function keyEntry(url: string, pem: string, certificate: SigningCertificate): KeyEntry {
  const keys = new Map<SnsSignatureHash, Promise<CryptoKey>>();
  return {
    url,
    pem,
    certificate,
    verified: false,
    keyFor(hash) {
      let key = keys.get(hash);
      if (!key) {
        key = crypto.subtle.importKey('spki', certificate.spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
        keys.set(hash, key);
      }
      return key;
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
