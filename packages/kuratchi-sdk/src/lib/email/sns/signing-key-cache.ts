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
 * Two tables: parsed certificates keyed by their PEM text (the key is a pure function of it, so
 * any caller may share them), and per fetcher function the URLs it served and the URLs it failed
 * on (so one fetcher's answers never stand in for another's: tests and tenants with their own
 * fetchers stay apart). Certificates that have verified a signature are evicted last, so forged
 * messages naming many real certificate URLs cannot push the genuine one out.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export interface SigningKeyCache {
  /**
   * The signing key of the certificate `fetchCertificate` serves at `url`, as of `now` (the
   * verifier's clock): what this fetcher served for `url` before, without calling it; its failure
   * for `url` less than `failureTtlSeconds` ago, thrown again without calling it; otherwise one
   * call of `fetchCertificate` (shared by concurrent callers), whose PEM is parsed and whose keys
   * are imported once per distinct certificate text, whichever fetcher served it.
   * @throws {SnsVerificationError} `certificate-unavailable` when the fetch failed (a retry may
   *   succeed), `certificate-invalid` when the text is not a readable RSA certificate.
   */
  load(url: string, fetchCertificate: FetchCertificate, now: Date): Promise<CachedSigningKey>;
  /** Records that `key` (from this cache) verified a signature: it is then evicted last. */
  markVerified(key: CachedSigningKey): void;
  /** Number of distinct certificates held (for tests and memory checks). */
  readonly size: number;
}

/** Options of {@link createSigningKeyCache}. */
export interface SigningKeyCacheOptions {
  /** Most certificates kept, and most URLs kept per fetcher. Default 16 (SNS uses a few). */
  maxEntries?: number;
  /** Most failed URLs remembered per fetcher (the oldest is forgotten first). Default 64. */
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
  readonly pem: string;
}

/** A URL a fetcher was asked for: the pending load, and its entry once loaded. */
interface Located {
  readonly pending: Promise<KeyEntry>;
  entry?: KeyEntry;
}

interface FetcherScope {
  readonly located: VerifiedLastLru<Located>;
  readonly failed: Map<string, { error: SnsVerificationError; at: number }>;
}

/**
 * Creates a {@link SigningKeyCache}, so a warm Worker verifies a message with one
 * `crypto.subtle.verify` and no fetch, parse or import, and a fetcher made per call costs one
 * call of it (no parse, no import).
 * @throws {RangeError} when a bound is not a positive integer or the TTL is negative.
 */
export function createSigningKeyCache(options: SigningKeyCacheOptions = {}): SigningKeyCache {
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? 16);
  const maxFailures = positiveInteger('maxFailures', options.maxFailures ?? 64);
  const ttlSeconds = options.failureTtlSeconds ?? 10;
  if (!(ttlSeconds >= 0)) throw new RangeError('failureTtlSeconds must be zero or more');
  const ttlMs = ttlSeconds * 1000;

  const certificates = new VerifiedLastLru<KeyEntry>(maxEntries, (entry) => entry.verified);
  const own = new WeakSet<CachedSigningKey>();
  const scopes = new WeakMap<FetchCertificate, FetcherScope>();

  function scopeOf(fetchCertificate: FetchCertificate): FetcherScope {
    let scope = scopes.get(fetchCertificate);
    if (!scope) {
      scope = { located: new VerifiedLastLru(maxEntries, (l) => l.entry?.verified === true), failed: new Map() };
      scopes.set(fetchCertificate, scope);
    }
    return scope;
  }

  async function read(url: string, fetchCertificate: FetchCertificate): Promise<KeyEntry> {
    let pem: string;
    try {
      pem = await fetchCertificate(url);
    } catch (cause) {
      const message = `signing certificate could not be fetched: ${describe(cause)}`;
      throw new SnsVerificationError('certificate-unavailable', message, { cause });
    }
    const known = certificates.get(pem);
    if (known) return known;
    let certificate: SigningCertificate;
    try {
      certificate = readSigningCertificate(pem);
    } catch (cause) {
      const message = `signing certificate is unreadable: ${describe(cause)}`;
      throw new SnsVerificationError('certificate-invalid', message, { cause });
    }
    const entry = keyEntry(pem, certificate);
    own.add(entry);
    certificates.set(pem, entry);
    return entry;
  }

  return {
    load(url, fetchCertificate, now) {
      const scope = scopes.get(fetchCertificate);
      const hit = scope?.located.get(url);
      if (hit) return hit.pending;
      const time = now.getTime();
      const failure = scope?.failed.get(url);
      if (failure && time >= failure.at && time < failure.at + ttlMs) {
        const { code, message } = failure.error;
        const again = `${message} (a failure of the last ${ttlSeconds} s, not fetched again yet)`;
        return Promise.reject(new SnsVerificationError(code, again, { cause: failure.error }));
      }
      const into = scope ?? scopeOf(fetchCertificate);
      into.failed.delete(url);
      const located: Located = { pending: read(url, fetchCertificate).then((entry) => (located.entry = entry)) };
      into.located.set(url, located);
      located.pending.catch((error: SnsVerificationError) => {
        if (into.located.peek(url) === located) into.located.delete(url);
        into.failed.delete(url);
        into.failed.set(url, { error, at: time });
        if (into.failed.size > maxFailures) into.failed.delete(into.failed.keys().next().value!);
      });
      return located.pending;
    },
    markVerified(key) {
      if (!own.has(key)) return;
      const entry = key as KeyEntry;
      entry.verified = true;
      // Back in (or kept in) the table even if unverified certificates had pushed it out meanwhile.
      if (certificates.get(entry.pem) !== entry) certificates.set(entry.pem, entry);
    },
    get size() {
      return certificates.size;
    },
  };
}

let isolateCache: SigningKeyCache | undefined;

/**
 * The cache `verifySnsMessage` uses when it is given no `keyCache`: one per isolate (module
 * scope), created on first use with the default bounds. Sharing it is safe: URLs are remembered
 * per fetcher function, and parsed certificates by their own text. A caller that wants its own
 * bounds, or a test that wants a clean slate, passes a cache of its own.
 */
export function defaultSigningKeyCache(): SigningKeyCache {
  isolateCache ??= createSigningKeyCache();
  return isolateCache;
}

function keyEntry(pem: string, certificate: SigningCertificate): KeyEntry {
  const keys = new Map<SnsSignatureHash, Promise<CryptoKey>>();
  return {
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
