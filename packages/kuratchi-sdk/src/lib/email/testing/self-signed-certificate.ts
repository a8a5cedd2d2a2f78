import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { bytesToBase64 } from '../shared/encoding.js';

/** Options of {@link createSelfSignedCertificate}. */
export interface SelfSignedCertificateOptions {
  /**
   * Start of validity; default {@link DEFAULT_CERTIFICATE_NOT_BEFORE} (2000-01-01). The helper
   * never reads the clock: a test that pins `now` and needs a certificate valid around it passes
   * `notBefore`/`notAfter` derived from that `now`, or relies on the wide default.
   */
  notBefore?: Date;
  /** End of validity; default {@link DEFAULT_CERTIFICATE_NOT_AFTER} (2099-12-31). */
  notAfter?: Date;
  /** Subject and issuer common name; default `sns.amazonaws.com`. */
  commonName?: string;
}

/** An RSA-2048 key pair and a self-signed X.509 certificate of its public key. */
export interface SelfSignedCertificate {
  /** The certificate, PEM encoded, as an SNS SigningCertURL would serve it. */
  readonly pem: string;
  /** PKCS#8 private key; import it with the hash you sign with. */
  readonly privateKeyPkcs8: ArrayBuffer;
}

const COMMON_NAME_OID = '2.5.4.3';
const SHA256_WITH_RSA_OID = '1.2.840.113549.1.1.11';

/**
 * Default start of validity: wide enough that a test certificate is valid at any date a test
 * pins, and at the real clock, this century. (UTCTime before 2050, GeneralizedTime after: RFC 5280
 * section 4.1.2.5.)
 */
export const DEFAULT_CERTIFICATE_NOT_BEFORE = new Date('2000-01-01T00:00:00Z');
/** Default end of validity; see {@link DEFAULT_CERTIFICATE_NOT_BEFORE}. */
export const DEFAULT_CERTIFICATE_NOT_AFTER = new Date('2099-12-31T23:59:59Z');

/**
 * Generates an RSA key (WebCrypto) and a self-signed X.509 v3 certificate for it, to stand in for
 * an SNS signing certificate in tests and in the local demo. Nothing here is trusted by default:
 * a verifier accepts it only through an explicitly injected `fetchCertificate`.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1
 */
export async function createSelfSignedCertificate(
  options: SelfSignedCertificateOptions = {},
): Promise<SelfSignedCertificate> {
  const notBefore = options.notBefore ?? DEFAULT_CERTIFICATE_NOT_BEFORE;
  const notAfter = options.notAfter ?? DEFAULT_CERTIFICATE_NOT_AFTER;
  if (!(notBefore.getTime() < notAfter.getTime())) {
    throw new RangeError(
      `certificate notBefore (${notBefore.toISOString()}) must be before notAfter (${notAfter.toISOString()})`,
    );
  }
  const keys = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: COMMON_NAME_OID,
        value: new AttributeValue({ utf8String: options.commonName ?? 'sns.amazonaws.com' }),
      }),
    ]),
  ]);
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: SHA256_WITH_RSA_OID, parameters: null });
  const serialNumber = crypto.getRandomValues(new Uint8Array(16));
  serialNumber[0] = serialNumber[0]! & 0x7f; // a positive INTEGER
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber.buffer,
    signature: signatureAlgorithm,
    issuer: name,
    validity: new Validity({ notBefore, notAfter }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(
      (await crypto.subtle.exportKey('spki', keys.publicKey)) as ArrayBuffer,
      SubjectPublicKeyInfo,
    ),
  });
  const signatureValue = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    keys.privateKey,
    AsnConvert.serialize(tbsCertificate),
  );
  const der = AsnConvert.serialize(new Certificate({ tbsCertificate, signatureAlgorithm, signatureValue }));
  return {
    pem: toPem(new Uint8Array(der)),
    privateKeyPkcs8: (await crypto.subtle.exportKey('pkcs8', keys.privateKey)) as ArrayBuffer,
  };
}

function toPem(der: Uint8Array): string {
  const lines = bytesToBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
