import { OrgDatabaseError, SesEventParseError, SnsMessageError, SnsVerificationError } from './errors.js';
import { recordSesEvent, type EventSinkPorts } from './record.js';
import { parseSesEvent } from './ses-event.js';
import type { SnsConfirmation, SnsNotification } from './sns-message.js';
import { assertSubscribeUrl } from './sns-urls.js';
import { verifySnsMessage, type FetchCertificate } from './sns-verify.js';
import type { SigningKeyCache } from './signing-key-cache.js';

/** Options of {@link createSesEventIngestor}. */
export interface SesEventIngestorOptions extends EventSinkPorts {
  /** Topics whose messages are accepted. Empty (the default of a fresh deployment) refuses all. */
  allowedTopicArns: readonly string[];
  /** Used to visit SubscribeURLs; default the global fetch. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Fetches signing certificates; default an HTTPS GET (see `fetchSigningCertificate`). */
  fetchCertificate?: FetchCertificate;
  /** Certificate/key cache; keep one per isolate so a warm Worker fetches nothing. */
  keyCache?: SigningKeyCache;
  /** Oldest accepted message, in seconds; default 3600. */
  maxAgeSeconds?: number;
}

/** What the ingestor did with one SNS POST. */
export type IngestOutcome =
  | 'applied'
  | 'duplicate'
  | 'parked'
  | 'orphaned'
  | 'dead-lettered'
  | 'ignored'
  | 'subscription-confirmed'
  | 'subscription-failed'
  | 'unsubscribe-recorded'
  | 'malformed'
  | 'too-large'
  | 'forbidden'
  | 'unavailable'
  | 'internal-error';

/** HTTP answer for SNS, and one log entry that never holds the payload. */
export interface IngestResult {
  status: 200 | 400 | 403 | 413 | 500 | 502 | 503;
  body: { outcome: IngestOutcome; code?: string; message?: string };
  log: IngestLogEntry;
}

/** Fields of the one structured log line per message. */
export interface IngestLogEntry {
  outcome: IngestOutcome;
  code?: string;
  type?: string;
  snsMessageId?: string;
  sesMessageId?: string;
  eventType?: string;
  organizationId?: string;
  /** Text of an unexpected error (never sent to the client). */
  error?: string;
}

/** Turns SNS POST bodies into verified, recorded SES events. */
export interface SesEventIngestor {
  /** Handles the text body of one SNS POST and says what to answer. Never throws. */
  ingest(body: string): Promise<IngestResult>;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;

/**
 * Creates the ingestor the webhook route calls for each SNS POST, per the webhook contract:
 * - verify first (signature, certificate URL, topic allowlist, timestamp): 400 malformed, 403 not
 *   proven, 413 too large, 503 when the certificate could not be fetched;
 * - Notification: parse the SES event (unknown types 200 `ignored`), route it by its lookup row
 *   only (never by its tags) and record it, or hold it; 200 `applied`, `duplicate`, `parked`,
 *   `orphaned` or `dead-lettered` (see `recordSesEvent`: all kept, none retried by SNS);
 * - SubscriptionConfirmation: GET the SubscribeURL only on the SNS host of the topic's region,
 *   without following redirects; 200 once confirmed, 502 when the visit failed (SNS retries);
 * - UnsubscribeConfirmation: recorded, never re-subscribed;
 * - anything a retry can fix (database down, binding missing) answers 5xx.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export function createSesEventIngestor(options: SesEventIngestorOptions): SesEventIngestor {
  const now = options.now ?? (() => new Date());
  const visit = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));

  async function handleNotification(message: SnsNotification, log: IngestLogEntry): Promise<IngestResult> {
    let event;
    try {
      event = parseSesEvent(message.Message);
    } catch (error) {
      if (error instanceof SesEventParseError && error.code !== 'invalid-event') {
        return answer(200, 'ignored', log, error.code, error.message);
      }
      throw error;
    }
    log.sesMessageId = event.mail.messageId;
    log.eventType = event.eventType;
    const result = await recordSesEvent(options, message.MessageId, event);
    if (result.organizationId) log.organizationId = result.organizationId;
    return answer(200, result.outcome, log);
  }

  async function handleConfirmation(message: SnsConfirmation, log: IngestLogEntry): Promise<IngestResult> {
    const record = {
      snsMessageId: message.MessageId,
      type: message.Type,
      topicArn: message.TopicArn,
      snsTimestamp: Date.parse(message.Timestamp),
      receivedAt: now().getTime(),
    };
    if (message.Type === 'UnsubscribeConfirmation') {
      await options.adminStore.recordSubscriptionMessage({ ...record, outcome: 'unsubscribed', detail: null });
      return answer(200, 'unsubscribe-recorded', log);
    }
    const url = assertSubscribeUrl(message.SubscribeURL, message.TopicArn);
    const failure = await confirm(url.href);
    await options.adminStore.recordSubscriptionMessage({
      ...record,
      outcome: failure ? 'confirm-failed' : 'confirmed',
      detail: failure,
    });
    return failure
      ? answer(502, 'subscription-failed', log, 'subscribe-url-failed', failure)
      : answer(200, 'subscription-confirmed', log);
  }

  /** Visits a SubscribeURL; returns why it failed, or null when SNS answered 200. */
  async function confirm(url: string): Promise<string | null> {
    try {
      const response = await visit(url, { redirect: 'manual', signal: AbortSignal.timeout(SUBSCRIBE_TIMEOUT_MS) });
      await response.body?.cancel();
      return response.status === 200 ? null : `SubscribeURL answered HTTP ${response.status}`;
    } catch (error) {
      return `SubscribeURL could not be reached: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  return {
    async ingest(body) {
      const log: IngestLogEntry = { outcome: 'malformed' };
      try {
        const message = await verifySnsMessage(body, {
          allowedTopicArns: options.allowedTopicArns,
          now: now(),
          ...(options.fetchCertificate ? { fetchCertificate: options.fetchCertificate } : {}),
          ...(options.keyCache ? { keyCache: options.keyCache } : {}),
          ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
        });
        log.type = message.Type;
        log.snsMessageId = message.MessageId;
        return message.Type === 'Notification'
          ? await handleNotification(message, log)
          : await handleConfirmation(message, log);
      } catch (error) {
        return answerError(error, log);
      }
    },
  };
}

function answer(
  status: IngestResult['status'],
  outcome: IngestOutcome,
  log: IngestLogEntry,
  code?: string,
  message?: string,
): IngestResult {
  log.outcome = outcome;
  if (code) log.code = code;
  return { status, body: { outcome, ...(code ? { code } : {}), ...(message ? { message } : {}) }, log };
}

/** The one place domain errors become HTTP statuses. */
function answerError(error: unknown, log: IngestLogEntry): IngestResult {
  if (error instanceof SnsMessageError) {
    return answer(error.code === 'too-large' ? 413 : 400, error.code === 'too-large' ? 'too-large' : 'malformed', log, error.code, error.message);
  }
  if (error instanceof SnsVerificationError) {
    return error.retryable
      ? answer(503, 'unavailable', log, error.code, error.message)
      : answer(403, 'forbidden', log, error.code, error.message);
  }
  if (error instanceof SesEventParseError) return answer(400, 'malformed', log, error.code, error.message);
  if (error instanceof OrgDatabaseError) return answer(503, 'unavailable', log, error.code, error.message);
  // Anything else (D1 unavailable, a bug): 5xx, so SNS delivers again and nothing is lost. The
  // error text goes to the log only: it may hold SQL or internals.
  log.error = error instanceof Error ? error.message : String(error);
  return answer(500, 'internal-error', log, 'internal-error');
}

/**
 * The ingestion counters one result adds to: `received` always; `verified` once the signature
 * checked out; `notification` for a verified Notification (its time is that of the last SES
 * event received); `outcome:<outcome>`; and `rejected:<code>` for every 4xx answer.
 */
export function ingestionCounterNames(result: Pick<IngestResult, 'body' | 'log'> & { status: number }): string[] {
  const names = ['received', `outcome:${result.body.outcome}`];
  if (result.log.type) names.push('verified');
  if (result.log.type === 'Notification') names.push('notification');
  if (result.status >= 400 && result.status < 500) names.push(`rejected:${result.body.code ?? result.body.outcome}`);
  return names;
}
