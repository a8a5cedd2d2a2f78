/**
 * Domain errors of SNS message verification: one class per family, each with a `code` union that
 * says which rule failed. The ingestor maps them to HTTP answers in one place (`ingest/webhook-contract.ts`).
 */

/** Why an SNS HTTP(S) POST body is not an SNS message envelope. */
export type SnsMessageErrorCode = 'too-large' | 'not-json' | 'invalid-envelope';

/**
 * The body is not a well-formed SNS envelope (answer 400: a retry cannot fix it).
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html
 */
export class SnsMessageError extends Error {
  override readonly name = 'SnsMessageError';
  constructor(
    readonly code: SnsMessageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Which signature-verification rule an SNS message broke. */
export type SnsVerificationErrorCode =
  | 'unsupported-signature-version'
  | 'cert-url-invalid'
  | 'cert-url-not-https'
  | 'cert-url-has-credentials'
  | 'cert-url-not-sns-host'
  | 'cert-url-not-pem'
  | 'subscribe-url-rejected'
  | 'topic-not-allowed'
  | 'timestamp-too-old'
  | 'timestamp-in-future'
  | 'signature-malformed'
  | 'certificate-unavailable'
  | 'certificate-invalid'
  | 'certificate-not-yet-valid'
  | 'certificate-expired'
  | 'signature-mismatch';

/**
 * An SNS message failed verification. Every code means "not proven to come from AWS" (answer 403)
 * except `certificate-unavailable`: the signing certificate could not be fetched, which a retry
 * can fix, so the route answers 5xx and SNS delivers again.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export class SnsVerificationError extends Error {
  override readonly name = 'SnsVerificationError';
  constructor(
    readonly code: SnsVerificationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when delivering the same message again may succeed (the certificate fetch failed). */
  get retryable(): boolean {
    return this.code === 'certificate-unavailable';
  }
}
