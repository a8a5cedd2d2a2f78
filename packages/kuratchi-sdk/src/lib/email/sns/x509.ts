import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { base64ToBytes } from '../shared/encoding.js';

/** OID of rsaEncryption, the only key type SNS signs with (RFC 8017 appendix A.1). */
const RSA_ENCRYPTION_OID = '1.2.840.113549.1.1.1';

/** What verification needs from an SNS signing certificate. */
export interface SigningCertificate {
  /** DER SubjectPublicKeyInfo of the RSA key, ready for `crypto.subtle.importKey('spki', …)`. */
  readonly spki: Uint8Array<ArrayBuffer>;
  /** Start of the validity period (RFC 5280 section 4.1.2.5). */
  readonly notBefore: Date;
  /** End of the validity period, inclusive (RFC 5280 section 4.1.2.5). */
  readonly notAfter: Date;
}

/**
 * Reads the RSA public key and validity period out of a PEM X.509 certificate (the file an SNS
 * `SigningCertURL` serves). The first CERTIFICATE block is the signing certificate.
 * @throws {Error} when the text holds no parsable certificate or its key is not RSA.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1 (certificate fields)
 * @see https://www.rfc-editor.org/rfc/rfc7468#section-5 (PEM textual encoding)
 */
export function readSigningCertificate(pem: string): SigningCertificate {
  const certificate = AsnConvert.parse(pemCertificateToDer(pem), Certificate);
  const { subjectPublicKeyInfo, validity } = certificate.tbsCertificate;
  if (subjectPublicKeyInfo.algorithm.algorithm !== RSA_ENCRYPTION_OID) {
    throw new Error(`certificate key is not RSA (${subjectPublicKeyInfo.algorithm.algorithm})`);
  }
  return {
    spki: new Uint8Array(AsnConvert.serialize(subjectPublicKeyInfo)),
    notBefore: validity.notBefore.getTime(),
    notAfter: validity.notAfter.getTime(),
  };
}

/** DER bytes of the first `-----BEGIN CERTIFICATE-----` block of a PEM text. */
function pemCertificateToDer(pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!match?.[1]) throw new Error('no PEM CERTIFICATE block');
  return base64ToBytes(match[1].replace(/\s+/g, ''));
}
