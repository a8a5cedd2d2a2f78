import type { CountReceipt } from '../routing/ports.js';
import { SNS_MAX_RETRY_WINDOW_MS } from '../routing/park-policy.js';
import { MAX_SNS_BODY_BYTES } from '../sns/sns-message.js';
import { assertSigningCertUrl, assertSubscribeUrl, SNS_CERTIFICATE_PATH } from '../sns/sns-urls.js';
import { DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_FUTURE_SKEW_SECONDS } from '../sns/sns-verify.js';

/**
 * The webhook contract: what Amazon SNS sees when it POSTs to the SES events webhook. Every answer
 * the ingestor and the dashboard route give is a row of {@link WEBHOOK_CONTRACT}, built by
 * {@link webhookAnswer}; docs/webhook.md's status table is tested against these rows.
 *
 * SNS retries an HTTP/S delivery only on server-side errors: 5xx (and 429) answers and timeouts,
 * never another 4xx. So 4xx is for what a retry cannot fix, 5xx for what it can.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.https.html ("all 5XX errors and 429")
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */

/**
 * Path of the SES events webhook in the kuratchi dashboard (the SvelteKit route directory
 * `src/routes/api/webhooks/ses-events`); the CSRF exemption and the sign-in guard use it. The
 * ingestor itself works on any path: it is the URL subscribed to the topic.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-http-https-endpoint-as-subscriber.html
 * @see https://svelte.dev/docs/kit/routing#server
 */
export const SES_WEBHOOK_PATH = '/api/webhooks/ses-events';

/**
 * The limits and rules of verification the contract relies on, named here (they live beside the
 * code that applies them): body size, `Timestamp` window, SigningCertURL and SubscribeURL rules.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 * @see https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Message: 256 KB)
 */
export const WEBHOOK_RULES = {
  /** Largest body accepted, in bytes (`MAX_SNS_BODY_BYTES`): larger answers `too-large`. */
  maxBodyBytes: MAX_SNS_BODY_BYTES,
  /** Oldest accepted `Timestamp`, in seconds, unless the ingestor is given another. */
  maxAgeSeconds: DEFAULT_MAX_AGE_SECONDS,
  /** How far ahead a `Timestamp` may be, in seconds (clock skew). */
  maxFutureSkewSeconds: DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  /** How long SNS goes on retrying an HTTP/S delivery at most, in ms (a hard limit). */
  snsRetryWindowMs: SNS_MAX_RETRY_WINDOW_MS,
  /** Path of a SigningCertURL (the host must be the SNS endpoint of the topic's region). */
  signingCertPath: SNS_CERTIFICATE_PATH,
  /** The whole SigningCertURL rule, checked before anything is fetched. */
  assertSigningCertUrl,
  /** The SubscribeURL rule, checked before it is visited. */
  assertSubscribeUrl,
} as const;

/**
 * What the body of an answer says happened (`body.outcome`).
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */
export type IngestOutcome =
  | 'queued'
  | 'applied'
  | 'duplicate'
  | 'parked'
  | 'orphaned'
  | 'dead-lettered'
  | 'expired'
  | 'ignored'
  | 'subscription-confirmed'
  | 'subscription-failed'
  | 'unsubscribe-recorded'
  | 'malformed'
  | 'too-large'
  | 'forbidden'
  | 'unavailable'
  | 'internal-error';

/**
 * How an answer is logged: `info` (console.log) or `error` (console.error, every 5xx).
 * @see https://developers.cloudflare.com/workers/observability/logs/workers-logs/
 */
export type WebhookLogLevel = 'info' | 'error';

/**
 * One row of the webhook contract.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export interface WebhookAnswerRule {
  /** HTTP status SNS receives. */
  status: number;
  /** What the JSON body's `outcome` says. */
  outcome: IngestOutcome;
  /** Whether SNS delivers the message again after this answer (5xx and 429 only). */
  snsRetries: boolean;
  /** Whether it counts as a rejection (`rejected:<code>` in `ingestion_counters`). */
  rejected: boolean;
  logLevel: WebhookLogLevel;
  /** One line: when this answer is given. */
  meaning: string;
}

/**
 * Every answer of the SES events webhook, by name. 200: processed, a duplicate, parked or
 * deliberately ignored; 4xx: what a retry cannot fix (refused, counted as rejected); 5xx: only
 * what a retry can fix (SNS delivers again, nothing is lost).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export const WEBHOOK_CONTRACT = {
  queued: row(
    200,
    'queued',
    'info',
    'queued mode: a verified SES event, accepted by the SES events queue (the consumer records it)',
  ),
  applied: row(200, 'applied', 'info', 'a verified SES event, recorded on its email row'),
  duplicate: row(200, 'duplicate', 'info', 'already recorded (same SNS `MessageId`): nothing changes'),
  parked: row(
    200,
    'parked',
    'info',
    'email not known yet, or its organisation being moved: parked in the admin DB until `sendEmail` writes its route, or the move ends',
  ),
  orphaned: row(
    200,
    'orphaned',
    'info',
    'the route names an email row that is gone or bound to another message: parked, counted',
  ),
  'dead-lettered': row(
    200,
    'dead-lettered',
    'info',
    'its message already holds the most events the park allows: kept in the dead-letter table',
  ),
  expired: row(
    200,
    'expired',
    'info',
    "older than its organisation's retention, so perhaps purged (recorded again it would count twice): its own time before the events cutoff, or, with no route, its mail before the emails cutoff of the organisation its `kuratchi-org-id` tag names; dropped and counted",
  ),
  ignored: row(
    200,
    'ignored',
    'info',
    "a verified message on the topic that is not an SES event (e.g. SES's topic check)",
  ),
  'subscription-confirmed': row(
    200,
    'subscription-confirmed',
    'info',
    "SubscribeURL visited (https, SNS host of the topic's region, no redirects followed)",
  ),
  'unsubscribe-recorded': row(
    200,
    'unsubscribe-recorded',
    'info',
    'UnsubscribeConfirmation recorded, never re-subscribed',
  ),
  malformed: row(
    400,
    'malformed',
    'info',
    'not UTF-8, not JSON, not an SNS envelope, or a verified SES event missing a required field',
  ),
  unauthorized: row(
    401,
    'forbidden',
    'info',
    "the webhook's HTTP Basic credential is missing or wrong (a Basic challenge, before the body is looked at)",
  ),
  forbidden: row(
    403,
    'forbidden',
    'info',
    'not proven to come from AWS: signature, SigningCertURL, topic not allowed, `Timestamp` window, SubscribeURL',
  ),
  'too-large': row(
    413,
    'too-large',
    'info',
    'body over 256 KiB, declared or streamed (refused without holding it whole)',
  ),
  'internal-error': row(
    500,
    'internal-error',
    'error',
    'anything else, e.g. D1 unavailable (the error text goes to the log only)',
  ),
  'subscription-failed': row(
    502,
    'subscription-failed',
    'error',
    'the SubscribeURL did not answer 200 (SNS sends the confirmation again)',
  ),
  unavailable: row(
    503,
    'unavailable',
    'error',
    "signing certificate unreachable, an organisation's D1 binding missing, the queue refused the event (code `queue-send-failed`) or the raw archive failed (code `archive-failed`)",
  ),
  misconfigured: row(
    503,
    'unavailable',
    'error',
    "the dashboard's configuration is invalid (a binding missing, a bad variable); code `misconfigured`",
  ),
} as const satisfies Record<string, WebhookAnswerRule>;

/**
 * The name of one answer of the webhook contract.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */
export type WebhookAnswer = keyof typeof WEBHOOK_CONTRACT;
/**
 * Every HTTP status the webhook answers with.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export type WebhookStatus = (typeof WEBHOOK_CONTRACT)[WebhookAnswer]['status'];

/**
 * HTTP answer for SNS, and one log entry that never holds the payload.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */
export interface IngestResult {
  /** The row of {@link WEBHOOK_CONTRACT} this answer is. */
  answer: WebhookAnswer;
  status: WebhookStatus;
  body: { outcome: IngestOutcome; code?: string; message?: string };
  log: IngestLogEntry;
  /** The figures counted ahead for this answer (`countAnswersAhead`), which its counting corrects. */
  counted?: CountReceipt;
  /** A `queued` answer whose figures travel in its queue message (`answer`): the consumer counts them. */
  countedByConsumer?: true;
}

/**
 * Fields of the one structured log line per message.
 * @see https://developers.cloudflare.com/workers/observability/logs/workers-logs/
 */
export interface IngestLogEntry {
  outcome: IngestOutcome;
  code?: string;
  type?: string;
  snsMessageId?: string;
  sesMessageId?: string;
  eventType?: string;
  organizationId?: string;
  /** Direct mode, an applied event: ms from its SNS Timestamp to applied (the lag histogram). */
  lagMs?: number;
  /** Text of an unexpected error (never sent to the client). */
  error?: string;
}

/**
 * True when SNS delivers a message again after an HTTP/S answer with this status: 5xx and 429
 * (too many requests) are retryable, every other status ends the delivery.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.https.html
 */
export function snsRetriesStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * The answer `answer` of the contract: its status and body (`outcome`, and `code`/`message` when
 * given), with `log` completed by the same outcome and code.
 * @param log what is known of the message so far (type, ids, an error text for the log only).
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 */
export function webhookAnswer(
  answer: WebhookAnswer,
  log: Omit<IngestLogEntry, 'outcome'> = {},
  code?: string,
  message?: string,
): IngestResult {
  const { status, outcome } = WEBHOOK_CONTRACT[answer];
  const withCode = code ? { code } : {};
  return {
    answer,
    status,
    body: { outcome, ...withCode, ...(message ? { message } : {}) },
    log: { ...log, outcome, ...withCode },
  };
}

function row<S extends number, O extends IngestOutcome>(
  status: S,
  outcome: O,
  logLevel: WebhookLogLevel,
  meaning: string,
) {
  return {
    status,
    outcome,
    snsRetries: snsRetriesStatus(status),
    rejected: status >= 400 && status < 500,
    logLevel,
    meaning,
  };
}
