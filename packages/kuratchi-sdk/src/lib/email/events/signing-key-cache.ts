import type { SigningCertificate } from './x509.js';

/** Hash of an SNS signature: version 1 is SHA-1, version 2 is SHA-256. */
export type SnsSignatureHash = 'SHA-1' | 'SHA-256';

/** A signing certificate with its imported public keys (one per hash, imported on first use). */
export interface CachedSigningKey {
  readonly certificate: SigningCertificate;
  keyFor(hash: SnsSignatureHash): Promise<CryptoKey>;
}

/** A bounded cache of signing certificates by URL. */
export interface SigningKeyCache {
  /**
   * The cached entry for `url`, or the result of `load()` (shared by concurrent callers). A load
   * that fails is forgotten at once, so the next message fetches again.
   */
  get(url: string, load: () => Promise<SigningCertificate>): Promise<CachedSigningKey>;
  /** Number of certificates held (for tests and memory checks). */
  readonly size: number;
}

/** Options of {@link createSigningKeyCache}. */
export interface SigningKeyCacheOptions {
  /** Most certificates kept; the least recently used goes first. Default 16 (SNS uses a few). */
  maxEntries?: number;
}

/**
 * Creates a least-recently-used cache of SNS signing certificates and their imported keys, so a
 * warm Worker verifies a message with one `crypto.subtle.verify` and no fetch or import.
 */
export function createSigningKeyCache(options: SigningKeyCacheOptions = {}): SigningKeyCache {
  const maxEntries = options.maxEntries ?? 16;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('maxEntries must be a positive integer');
  }
  const entries = new Map<string, Promise<CachedSigningKey>>();
  return {
    get(url, load) {
      const cached = entries.get(url);
      if (cached) {
        entries.delete(url);
        entries.set(url, cached);
        return cached;
      }
      const entry = load().then(cachedSigningKey);
      entries.set(url, entry);
      entry.catch(() => {
        if (entries.get(url) === entry) entries.delete(url);
      });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return entry;
    },
    get size() {
      return entries.size;
    },
  };
}

function cachedSigningKey(certificate: SigningCertificate): CachedSigningKey {
  const keys = new Map<SnsSignatureHash, Promise<CryptoKey>>();
  return {
    certificate,
    keyFor(hash) {
      let key = keys.get(hash);
      if (!key) {
        key = crypto.subtle.importKey('spki', certificate.spki, { name: 'RSASSA-PKCS1-v1_5', hash }, false, [
          'verify',
        ]);
        keys.set(hash, key);
      }
      return key;
    },
  };
}
