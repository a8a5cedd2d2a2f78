/**
 * The API's errors: RFC 9457 problem details (`application/problem+json`), each with a stable
 * `type` (one per code below, documented in docs/guides/api.md) and its HTTP status.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export const PROBLEM_STATUS = {
  /** No key, a malformed, unknown or revoked key. */
  unauthorized: 401,
  /** The key lacks the scope the route needs (`send` to send or change suppressions). */
  'insufficient-scope': 403,
  /** A query parameter, path parameter or body field is invalid (`errors` names each). */
  'invalid-request': 400,
  /** The body of a POST is not JSON. */
  'unsupported-media-type': 415,
  /** The body of a POST is longer than `API_MAX_BODY_BYTES` (route.ts). */
  'content-too-large': 413,
  /** No such email, suppression or route in this organisation. */
  'not-found': 404,
  /** The route exists, the method does not. */
  'method-not-allowed': 405,
  /** The same `Idempotency-Key` came with another body. */
  'idempotency-key-reused': 422,
  /** A request with the same `Idempotency-Key` is still being answered. */
  'idempotency-key-in-use': 409,
  /** A recipient is on the organisation's suppression list (`suppressed` lists them). */
  'recipient-suppressed': 422,
  /** The reputation guard has paused the organisation's sending. */
  'sending-paused': 409,
  /** Amazon SES refused the message (its error in `detail`); the email row records it. */
  'ses-error': 502,
  /** The deployment has no AWS credentials to send with. */
  'sending-unavailable': 503,
  /** The key's requests exceed the rate limit (see `Retry-After`). */
  'rate-limited': 429,
  /** The organisation's data is being moved to another database: try again in a minute. */
  'organization-moving': 503,
} as const;

/** One of the API's stable problem codes. */
export type ProblemCode = keyof typeof PROBLEM_STATUS;

/** Where each problem type is documented; `type` is this with `#<code>`. */
export const PROBLEM_TYPE_BASE = 'https://github.com/kuratchi/kuratchi/blob/main/docs/guides/api.md';

/** One invalid field of a request: where (`query.limit`, `body.to[1]`) and what is wrong. */
export interface InvalidField {
  path: string;
  message: string;
}

/** An API error a route throws; {@link problemResponse} answers it. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    /** Extension members of this problem (RFC 9457 §3.2): `errors`, `suppressed`… */
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** The problem details response of `problem`. */
export function problemResponse(problem: ApiProblem): Response {
  const status = PROBLEM_STATUS[problem.code];
  return new Response(
    JSON.stringify({
      type: `${PROBLEM_TYPE_BASE}#${problem.code}`,
      title: problem.code,
      status,
      detail: problem.detail,
      ...problem.extensions,
    }),
    { status, headers: { 'content-type': 'application/problem+json', ...problem.headers } },
  );
}
