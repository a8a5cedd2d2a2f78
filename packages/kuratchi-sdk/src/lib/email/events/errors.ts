/**
 * Domain errors of SES event ingestion: one class per family, each with a `code` union that says
 * which rule failed. The webhook route maps them to HTTP statuses in one place (`ingest.ts`).
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

/** Why the `Message` of a verified notification is not an SES event record. */
export type SesEventParseErrorCode = 'not-json' | 'unknown-event-type' | 'invalid-event';

/**
 * The SNS `Message` is not an SES event record SES could have written.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export class SesEventParseError extends Error {
  override readonly name = 'SesEventParseError';
  constructor(
    readonly code: SesEventParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why an organisation's database could not be resolved.
 * @see https://developers.cloudflare.com/d1/worker-api/ (D1 bindings)
 */
export type OrgDatabaseErrorCode =
  'admin-db-missing' | 'organization-not-found' | 'binding-missing' | 'organization-moving';

/**
 * An organisation's database could not be resolved: the admin database binding is missing,
 * the organisation is unknown, its database binding (D1 or Durable Object namespace) is not bound
 * to this Worker, or it is being moved to a Durable Object (`organization-moving`, for the
 * minutes of `kuratchi-ses org migrate`). What the
 * resolver port (`OrgEmailStoreResolver`, `ports.ts`) throws: the sink reads
 * `organization-not-found` as a missing email row; the route answers the others with 503, so SNS
 * delivers again.
 * @see https://developers.cloudflare.com/d1/worker-api/ (D1 bindings)
 */
export class OrgDatabaseError extends Error {
  override readonly name = 'OrgDatabaseError';
  constructor(
    readonly code: OrgDatabaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
