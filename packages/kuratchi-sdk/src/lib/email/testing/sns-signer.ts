import { bytesToBase64, utf8 } from '../events/encoding.js';
import { signatureHashOf, snsStringToSign } from '../events/sns-verify.js';
import type { SnsMessage } from '../events/sns-message.js';
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
  /** The SigningCertURL put in signed messages; default an SNS us-east-1 URL. */
  certUrl?: string;
  /** Reuse this key and certificate (e.g. made in another process) instead of generating one. */
  certificate?: SelfSignedCertificate;
}

/** Signs SNS messages the way Amazon SNS does, with a key of its own. */
export interface SnsSigner {
  /** The SigningCertURL written into every message. */
  readonly certUrl: string;
  /** The PEM certificate to serve for {@link SnsSigner.certUrl}. */
  readonly certificatePem: string;
  /** The key and certificate, to hand to another process (`options.certificate`). */
  readonly certificate: SelfSignedCertificate;
  /** A `fetchCertificate` that serves the certificate for `certUrl` and fails for any other URL. */
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
  const certUrl =
    options.certUrl ?? 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-kuratchi-test.pem';
  const certificate = options.certificate ?? (await createSelfSignedCertificate(options));
  const keys = {
    '1': await importSigningKey(certificate.privateKeyPkcs8, 'SHA-1'),
    '2': await importSigningKey(certificate.privateKeyPkcs8, 'SHA-256'),
  };
  return {
    certUrl,
    certificatePem: certificate.pem,
    certificate,
    async fetchCertificate(url) {
      if (url !== certUrl) throw new Error(`no certificate at ${url}`);
      return certificate.pem;
    },
    async sign(message, version = '2') {
      signatureHashOf(version);
      const unsigned = { ...message, SignatureVersion: version, SigningCertURL: certUrl, Signature: '' } as SnsMessage;
      const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keys[version], utf8(snsStringToSign(unsigned)));
      return { ...unsigned, Signature: bytesToBase64(new Uint8Array(signature)) };
    },
  };
}

function importSigningKey(pkcs8: ArrayBuffer, hash: 'SHA-1' | 'SHA-256'): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
}
