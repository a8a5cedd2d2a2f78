import { bytesToBase64, utf8 } from '../shared/encoding.js';
import { signatureHashOf, snsStringToSign } from '../sns/sns-verify.js';
import type { SnsMessage } from '../sns/sns-message.js';
import { isSnsHost, snsHostOfTopic } from '../shared/aws-names.js';
import {
  createSelfSignedCertificate,
  type SelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from './self-signed-certificate.js';

/** An SNS message before signing: the signature fields are filled in by the signer. */
export type UnsignedSnsMessage = SnsMessage extends infer M
  ? M extends SnsMessage
    ? Omit<M, 'Signature' | 'SigningCertURL' | 'SignatureVersion'>
    : never
  : never;

/** Options of {@link createSnsSigner}. */
export interface SnsSignerOptions extends SelfSignedCertificateOptions {
  /**
   * The SigningCertURL put in every signed message, as given (the verifier refuses it unless it
   * is on the SNS host of each message's topic region with a `/SimpleNotificationService-<32
   * hex>.pem` path). Default: {@link SnsSigner.certPath} on the SNS host of each message's topic.
   */
  certUrl?: string;
  /** Reuse this key and certificate (e.g. made in another process) instead of generating one. */
  certificate?: SelfSignedCertificate;
}

/** Signs SNS messages the way Amazon SNS does, with a key of its own. */
export interface SnsSigner {
  /** `options.certUrl`, written into every message; undefined when each message gets `certUrlFor(its TopicArn)`. */
  readonly certUrl: string | undefined;
  /**
   * `/SimpleNotificationService-<32 hex>.pem`, the hex being the start of the SHA-256 of the
   * certificate's PEM: deterministic, and distinct for distinct certificates.
   */
  readonly certPath: string;
  /** The SigningCertURL of a message of `topicArn`: `certUrl`, or `certPath` on the topic's SNS host. */
  certUrlFor(topicArn: string): string;
  /** The PEM certificate to serve at its SigningCertURLs. */
  readonly certificatePem: string;
  /** The key and certificate, to hand to another process (`options.certificate`). */
  readonly certificate: SelfSignedCertificate;
  /**
   * A `fetchCertificate` that serves the certificate at `certUrl` (when given) or at `certPath`
   * on any SNS host, and fails for any other URL.
   */
  readonly fetchCertificate: (url: string) => Promise<string>;
  /** Signs a message with SignatureVersion 1 (SHA-1) or 2 (SHA-256, default). */
  sign(message: UnsignedSnsMessage, version?: '1' | '2'): Promise<SnsMessage>;
}

/**
 * Creates an SNS message signer with a fresh RSA key and self-signed certificate, for tests, the
 * local demo and `kuratchi-ses simulate`. Its messages verify only where its `fetchCertificate`
 * (or its certificate) is explicitly trusted.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export async function createSnsSigner(options: SnsSignerOptions = {}): Promise<SnsSigner> {
  const certUrl = options.certUrl;
  const certificate = options.certificate ?? (await createSelfSignedCertificate(options));
  const certPath = await certificatePath(certificate.pem);
  const keys = {
    '1': await importSigningKey(certificate.privateKeyPkcs8, 'SHA-1'),
    '2': await importSigningKey(certificate.privateKeyPkcs8, 'SHA-256'),
  };
  const certUrlFor = (topicArn: string) => certUrl ?? `https://${snsHostOfTopic(topicArn)}${certPath}`;
  return {
    certUrl,
    certPath,
    certUrlFor,
    certificatePem: certificate.pem,
    certificate,
    async fetchCertificate(url) {
      if (!(certUrl === undefined ? servesAt(url, certPath) : url === certUrl))
        throw new Error(`no certificate at ${url}`);
      return certificate.pem;
    },
    async sign(message, version = '2') {
      signatureHashOf(version);
      const SigningCertURL = certUrlFor(message.TopicArn);
      const unsigned = { ...message, SignatureVersion: version, SigningCertURL, Signature: '' } as SnsMessage;
      const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys[version], utf8(snsStringToSign(unsigned)));
      return { ...unsigned, Signature: bytesToBase64(new Uint8Array(signature)) };
    },
  };
}

/** `/SimpleNotificationService-<the first 32 hex digits of SHA-256(pem)>.pem`. */
async function certificatePath(pem: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(pem)));
  const hex = Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `/SimpleNotificationService-${hex}.pem`;
}

/** True for `certPath` over https on an SNS host. */
function servesAt(raw: string, certPath: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && isSnsHost(url.hostname) && url.pathname === certPath;
  } catch {
    return false;
  }
}

function importSigningKey(pkcs8: ArrayBuffer, hash: 'SHA-1' | 'SHA-256'): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
}
