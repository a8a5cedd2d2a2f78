/**
 * `kuratchi-sdk/internal/verify`: proving that an SNS HTTP(S) POST comes from AWS. The SNS envelope
 * and its limits, signature verification, the signing-certificate and SubscribeURL rules, the
 * signing key cache, and their errors. Re-exports only; web-standard code, no AWS SDK.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @module
 */
export { SnsMessageError, SnsVerificationError } from './errors.js';
export type { SnsMessageErrorCode, SnsVerificationErrorCode } from './errors.js';
export { MAX_SNS_BODY_BYTES, parseSnsMessage, validateSnsMessage } from './sns-message.js';
export type { SnsMessage, SnsNotification, SnsConfirmation } from './sns-message.js';
export {
  verifySnsMessage,
  verifySnsMessageWithCertificate,
  fetchSigningCertificate,
  snsStringToSign,
} from './sns-verify.js';
export type { VerifySnsOptions, VerifiedSnsMessage } from './sns-verify.js';
export { assertSigningCertUrl, assertSubscribeUrl } from './sns-urls.js';
export { createSigningKeyCache, defaultSigningKeyCache } from './signing-key-cache.js';
export type {
  CachedSigningKey,
  FetchCertificate,
  SigningKeyCache,
  SigningKeyCacheOptions,
  SnsSignatureHash,
} from './signing-key-cache.js';
export type { SigningCertificate } from './x509.js';
export { readSnsBody, discardBody } from './read-sns-body.js';
export type { SnsBodyText } from './read-sns-body.js';
