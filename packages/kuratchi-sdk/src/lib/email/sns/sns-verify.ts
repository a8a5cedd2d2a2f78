import { base64ToBytes, utf8 } from '../shared/encoding.js';
import { SnsVerificationError } from './errors.js';
import {
  defaultSigningKeyCache,
  type FetchCertificate,
  type SigningKeyCache,
  type SnsSignatureHash,
} from './signing-key-cache.js';
import { parseSnsMessage, validateSnsMessage, type SnsMessage } from './sns-message.js';
import { signingCertHref } from './sns-urls.js';
import type { SigningCertificate } from './x509.js';

export type { FetchCertificate } from './signing-key-cache.js';

/** Options of {@link verifySnsMessage}. */
export interface VerifySnsOptions {
  /** Fetches the signing certificate; default {@link fetchSigningCertificate}. */
  fetchCertificate?: FetchCertificate;
  /**
   * The time to verify at (timestamp window, certificate validity, and the age of failed fetches
   * the cache remembers); default the current time.
   */
  now?: Date;
  /** Oldest accepted message age; default 3600 (SNS's longest default retry span is one hour). */
  maxAgeSeconds?: number;
  /** How far in the future a Timestamp may be (clock skew); default 300. */
  maxFutureSkewSeconds?: number;
  /**
   * The topics whose messages are accepted; an empty list accepts none. Required unless
   * `allowAnyTopic`: without either, every message is refused (`topic-not-allowed`), since any
   * AWS account can have SNS sign a genuine message for a topic of its own.
   */
  allowedTopicArns?: readonly string[];
  /**
   * Accept a genuine message of any topic of any AWS account. Only for offline tools that check
   * or report the topic themselves (`kuratchi-ses verify` without `--topic-arn`, a proof bundle):
   * never for a webhook or the archive rebuild. Must be exactly `true`; not with `allowedTopicArns`.
   */
  allowAnyTopic?: true;
  /**
   * Cache of certificates and imported keys, by certificate URL; default
   * {@link defaultSigningKeyCache} (one per isolate). `fetchCertificate`, stable or made per call,
   * runs only when the URL is not cached. A fetcher of certificates not served by SNS needs a
   * cache of its own.
   */
  keyCache?: SigningKeyCache;
}

/**
 * Oldest accepted SNS `Timestamp`, in seconds, when {@link VerifySnsOptions.maxAgeSeconds} is not
 * given: SNS retries an HTTP/S delivery for at most 3,600 seconds in all, so an older message is a replay.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export const DEFAULT_MAX_AGE_SECONDS = 3600;
/**
 * How far ahead of `now` an SNS `Timestamp` may be (clock skew), in seconds, when
 * {@link VerifySnsOptions.maxFutureSkewSeconds} is not given.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 300;
const CERTIFICATE_FETCH_TIMEOUT_MS = 5000;
const MAX_CERTIFICATE_BYTES = 64 * 1024;

/**
 * The fields signed for each message type, in signing order.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
const SIGNED_FIELDS = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
} as const;

/**
 * The string SNS signs: for each signed field of the message's type, in the documented order,
 * the field name, a newline, its value and a newline. A Notification's Subject is included only
 * when present and not null.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export function snsStringToSign(message: SnsMessage): string {
  const fields: Record<string, unknown> = message;
  let text = '';
  for (const name of SIGNED_FIELDS[message.Type]) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    text += `${name}\n${String(value)}\n`;
  }
  return text;
}

/**
 * The hash of a SignatureVersion: "1" is RSA PKCS#1 v1.5 with SHA-1, "2" with SHA-256.
 * @throws {SnsVerificationError} `unsupported-signature-version` for anything else.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export function signatureHashOf(signatureVersion: string): SnsSignatureHash {
  if (signatureVersion === '1') return 'SHA-1';
  if (signatureVersion === '2') return 'SHA-256';
  throw new SnsVerificationError(
    'unsupported-signature-version',
    `SignatureVersion ${JSON.stringify(signatureVersion)} is not 1 or 2`,
  );
}

/**
 * Proves that an SNS message was signed by Amazon SNS and is acceptable now. The cheap checks
 * run first and need no network: envelope shape, signature version, certificate URL policy,
 * topic allowlist, timestamp window and signature encoding. Only then is the certificate
 * fetched (or taken from the cache), checked for validity at `now`, and the signature verified
 * over the canonical string.
 * @returns the validated message.
 * @throws {SnsMessageError} when the body is not an SNS envelope.
 * @throws {SnsVerificationError} naming the rule that failed; `certificate-unavailable` is the
 *   only one a retry can fix.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function verifySnsMessage(body: string | SnsMessage, options: VerifySnsOptions = {}): Promise<SnsMessage> {
  return (await verifySnsMessageWithCertificate(body, options)).message;
}

/** A verified SNS message and the signing certificate that verified it. */
export interface VerifiedSnsMessage {
  message: SnsMessage;
  /** The policy-checked SigningCertURL, normalised (`URL.href`). */
  certificateUrl: string;
  /** The PEM text served at that URL, which verified the signature. */
  certificatePem: string;
}

/**
 * {@link verifySnsMessage}, also giving the certificate that verified the signature (the raw
 * archive keeps it, so a proof bundle can be checked offline later).
 * @throws as {@link verifySnsMessage}.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function verifySnsMessageWithCertificate(
  body: string | SnsMessage,
  options: VerifySnsOptions = {},
): Promise<VerifiedSnsMessage> {
  const message = typeof body === 'string' ? parseSnsMessage(body) : validateSnsMessage(body);
  const now = options.now ?? new Date();
  const hash = signatureHashOf(message.SignatureVersion);
  const certUrl = signingCertHref(message.SigningCertURL, message.TopicArn);
  assertTopicAllowed(message.TopicArn, options);
  assertFresh(message.Timestamp, now, options);
  const signature = decodeSignature(message.Signature);

  const fetchCertificate = options.fetchCertificate ?? fetchSigningCertificate;
  const cache = options.keyCache ?? defaultSigningKeyCache();
  const signingKey = await cache.load(certUrl, fetchCertificate, now);
  assertCertificateValidAt(signingKey.certificate, now);
  let key: CryptoKey;
  try {
    key = await signingKey.keyFor(hash);
  } catch (cause) {
    throw new SnsVerificationError('certificate-invalid', 'signing certificate key cannot be imported', { cause });
  }
  const valid = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, utf8(snsStringToSign(message)));
  if (!valid) throw new SnsVerificationError('signature-mismatch', 'signature does not match the message');
  cache.markVerified(signingKey);
  return { message, certificateUrl: certUrl, certificatePem: signingKey.pem };
}

/**
 * Default certificate fetch: GET with a 5 s timeout, no redirects followed (workerd refuses
 * `redirect: 'error'`, so redirects are taken as `manual` and any non-200 answer is an error),
 * at most 64 KiB of PEM.
 * @throws {Error} on any network failure, non-200 status or oversized body.
 */
export async function fetchSigningCertificate(url: string): Promise<string> {
  const response = await fetch(url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(CERTIFICATE_FETCH_TIMEOUT_MS),
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`certificate URL answered HTTP ${response.status}`);
  }
  const text = await response.text();
  if (text.length > MAX_CERTIFICATE_BYTES) throw new Error('certificate is over 64 KiB');
  return text;
}

/**
 * The topic rule: the message's topic is on the allowlist, or the caller said in so many words
 * that any topic will do (`allowAnyTopic: true`). No allowlist refuses every topic: a genuine
 * signature proves only that some AWS account's topic sent the message.
 * @throws {TypeError} when both `allowedTopicArns` and `allowAnyTopic` are given (a programming error).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
function assertTopicAllowed(
  topicArn: string,
  options: Pick<VerifySnsOptions, 'allowedTopicArns' | 'allowAnyTopic'>,
): void {
  const { allowedTopicArns: allowed, allowAnyTopic } = options;
  if (allowAnyTopic !== undefined && allowed !== undefined) {
    throw new TypeError('verifySnsMessage: give allowedTopicArns or allowAnyTopic, not both');
  }
  if (allowAnyTopic === true) return;
  if (allowed === undefined) {
    throw new SnsVerificationError(
      'topic-not-allowed',
      `topic ${topicArn} is not allowed: no allowedTopicArns were given, so every topic is refused`,
    );
  }
  if (!allowed.includes(topicArn)) {
    throw new SnsVerificationError('topic-not-allowed', `topic ${topicArn} is not allowed`);
  }
}

function assertFresh(timestamp: string, now: Date, options: VerifySnsOptions): void {
  const ageMs = now.getTime() - Date.parse(timestamp);
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const maxSkewSeconds = options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS;
  if (ageMs > maxAgeSeconds * 1000) {
    throw new SnsVerificationError('timestamp-too-old', `message is older than ${maxAgeSeconds} s`);
  }
  if (-ageMs > maxSkewSeconds * 1000) {
    throw new SnsVerificationError('timestamp-in-future', `message is dated more than ${maxSkewSeconds} s ahead`);
  }
}

function decodeSignature(signature: string): Uint8Array<ArrayBuffer> {
  try {
    return base64ToBytes(signature);
  } catch {
    throw new SnsVerificationError('signature-malformed', 'Signature is not base64');
  }
}

function assertCertificateValidAt(certificate: SigningCertificate, now: Date): void {
  if (now < certificate.notBefore) {
    throw new SnsVerificationError('certificate-not-yet-valid', 'signing certificate is not valid yet');
  }
  if (now > certificate.notAfter) {
    throw new SnsVerificationError('certificate-expired', 'signing certificate has expired');
  }
}
