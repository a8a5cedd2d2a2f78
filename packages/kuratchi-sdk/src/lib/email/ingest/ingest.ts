import type { EventProvenance, SesEventSource } from '../model.js';
import { OrgDatabaseError } from '../routing/errors.js';
import { SesEventParseError } from '../ses-events/errors.js';
import { SnsMessageError, SnsVerificationError } from '../sns/errors.js';
import { recordSesEvent, type CountAhead, type EventSinkPorts } from '../routing/record.js';
import type { MessageRoute } from '../routing/ports.js';
import { appliedFiguresAhead } from './answer-figures.js';
import {
  fitsQueueMessage,
  sesEventQueueMessage,
  type EnqueueSesEvent,
  type SesEventQueueMessage,
} from './queue-message.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import type { SnsConfirmation, SnsNotification } from '../sns/sns-message.js';
import { assertSubscribeUrl } from '../sns/sns-urls.js';
import {
  archiveCertificateOf,
  archiveVerifiedSnsMessage,
  snsArchiveKey,
  type ArchivedSesFields,
} from '../archive/sns-archive.js';
import { verifySnsMessageWithCertificate, type FetchCertificate, type VerifiedSnsMessage } from '../sns/sns-verify.js';
import type { SnsArchive } from '../archive/ports.js';
import type { SigningKeyCache } from '../sns/signing-key-cache.js';
import { webhookAnswer, type IngestLogEntry, type IngestResult } from './webhook-contract.js';

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
  /**
   * Oldest accepted message, in seconds; default 3600 (the webhook). The redrive path passes the
   * dead-letter queue's retention (`SNS_DEAD_LETTER_RETENTION_SECONDS`).
   */
  maxAgeSeconds?: number;
  /**
   * A verified SubscriptionConfirmation or UnsubscribeConfirmation: `handle` it (default, the
   * webhook: visit the SubscribeURL, record the unsubscribe), or `report` it without doing
   * anything (the redrive path, where such a message is old news: answer `ignored`, code
   * `subscription-message-not-handled`; nothing is visited or written).
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html
   */
  subscriptionMessages?: 'handle' | 'report';
  /**
   * Queued mode: sends each verified, parsed SES event to the SES events queue (answer `queued`
   * once the send resolved, `unavailable` with code `queue-send-failed` when it failed, so SNS
   * retries); the queue consumer (`consumeSesEventBatch`) records it. Without it (direct mode)
   * the event is recorded inside the request. An event over the queue's message size limit is
   * recorded inline in either mode.
   * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
   */
  enqueue?: EnqueueSesEvent;
  /**
   * How the messages given to this ingestor reach it, stored with each event: `sns` (the
   * webhook, the default) or `redrive` (messages SNS moved to its dead-letter queue).
   */
  source?: SesEventSource;
  /**
   * The raw archive (an R2 bucket, `createR2SnsArchive`): every verified SNS message is stored as
   * received, with its signing certificate, before its event is applied (its key is then the
   * event's `archiveKey`). In queued mode the webhook stores the certificate and the message
   * travels in its queue message (`raw`), which the consumer archives, one object per batch,
   * before recording it; a message too large for that is stored here. When the archive fails the
   * answer is `unavailable` (code `archive-failed`) so SNS retries, and nothing is applied
   * unarchived. Without it nothing is archived.
   * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/
   */
  archive?: SnsArchive;
  /**
   * The webhook's own ingestor, whose answers `webhookResponse` counts. Queued mode: a `queued`
   * answer's figures travel in its queue message (`answer`) and the consumer counts them
   * (`countedByConsumer`), so the POST writes nothing after its response. Direct mode: the
   * figures of an `applied` answer are counted ahead in the route lookup's batch (so an applied
   * event costs two D1 round trips: the route, the organisation's batch), and the result carries
   * their receipt (`counted`), which the counting after the response corrects when the answer is
   * another. Leave it off on every other path (nothing would correct the receipt).
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   */
  countAnswersAhead?: boolean;
}

export type { IngestLogEntry, IngestOutcome, IngestResult } from './webhook-contract.js';

/** Turns SNS POST bodies into verified, recorded SES events. */
export interface SesEventIngestor {
  /** Handles the text body of one SNS POST and says what to answer. Never throws. */
  ingest(body: string): Promise<IngestResult>;
}

const SUBSCRIBE_TIMEOUT_MS = 10_000;

/** What the log line knows of a message before its answer sets the outcome. */
type LogFields = Omit<IngestLogEntry, 'outcome'>;

/**
 * Creates the ingestor the webhook route calls for each SNS POST. Every answer is a row of the
 * webhook contract (`webhook-contract.ts`, which holds its HTTP status and whether SNS retries it):
 * - verify first (signature, certificate URL, topic allowlist, timestamp): `malformed`,
 *   `too-large` or `forbidden`, and `unavailable` when the certificate could not be fetched;
 * - Notification: parse the SES event (unknown types `ignored`), route it by its SES message id
 *   only (never by its tags) and record it, or park it: `applied`, `duplicate`, `parked`,
 *   `orphaned` or `dead-lettered` (see `recordSesEvent`: all kept, none retried by SNS);
 * - SubscriptionConfirmation: GET the SubscribeURL only on the SNS host of the topic's region,
 *   without following redirects: `subscription-confirmed`, or `subscription-failed` (SNS retries);
 * - UnsubscribeConfirmation: recorded (`unsubscribe-recorded`), never re-subscribed;
 * - anything a retry can fix (database down, binding missing) is `unavailable` or `internal-error`.
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.prepare.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export function createSesEventIngestor(options: SesEventIngestorOptions): SesEventIngestor {
  const now = options.now ?? (() => new Date());
  const visit = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const provenance: EventProvenance = options.source ? { source: options.source } : {};
  /** The provenance of one message: the ingestor's source and, when archived, its archive key. */
  const provenanceOf = (archiveKey: string | undefined): EventProvenance =>
    archiveKey ? { ...provenance, archiveKey } : provenance;

  /**
   * Stores a verified message in the raw archive at the webhook (its own object, under the prefix
   * of `archiveDays`, its organisation's, when known), when the archive is bound; resolves with
   * its key. Throws {@link ArchiveFailure}.
   */
  async function archiveHere(
    body: string,
    verified: VerifiedSnsMessage,
    ses: ArchivedSesFields = {},
    archiveDays?: number,
  ) {
    if (!options.archive) return undefined;
    try {
      return await archiveVerifiedSnsMessage(options.archive, body, verified, ses, archiveDays);
    } catch (error) {
      throw new ArchiveFailure(error);
    }
  }

  /**
   * Queued mode: the queue message of a Notification. With the raw archive bound, the webhook
   * archives only the certificate and the raw message travels in the queue message for the
   * consumer to archive in its batch object; when that would pass the queue's message size limit,
   * the message is archived here, as in direct mode, and only its key travels.
   * @see https://developers.cloudflare.com/queues/platform/limits/ (128 KB per message)
   */
  async function queueMessageOf(
    body: string,
    verified: VerifiedSnsMessage,
    message: SnsNotification,
    ses: ArchivedSesFields,
  ): Promise<{ queued: SesEventQueueMessage | null; archiveKey: string | undefined }> {
    // The webhook's own answer travels with the message, for the consumer to count.
    const answer = options.countAnswersAhead ? { answer: 'queued' as const } : {};
    /** The message, or null when it is too large for the queue (the event is then recorded here). */
    const within = (queued: SesEventQueueMessage) => (fitsQueueMessage(queued) ? queued : null);
    if (!options.archive)
      return { queued: within({ ...sesEventQueueMessage(message, provenance), ...answer }), archiveKey: undefined };
    let metadata;
    try {
      metadata = await archiveCertificateOf(options.archive, verified, ses);
    } catch (error) {
      throw new ArchiveFailure(error);
    }
    const carried = { ...sesEventQueueMessage(message, provenance, { body, metadata }), ...answer };
    if (fitsQueueMessage(carried)) return { queued: carried, archiveKey: undefined };
    // Rare (a message over the queue's limit): its route is read here for its archive days.
    const route = ses.sesMessageId ? await options.adminStore.findMessageRoute(ses.sesMessageId) : null;
    const archiveKey = snsArchiveKey(message, route?.archiveDays);
    try {
      await options.archive.putMessage(archiveKey, body, metadata);
    } catch (error) {
      throw new ArchiveFailure(error);
    }
    return { queued: within({ ...sesEventQueueMessage(message, provenanceOf(archiveKey)), ...answer }), archiveKey };
  }

  async function handleNotification(
    body: string,
    verified: VerifiedSnsMessage,
    log: LogFields,
    counting: { ahead?: CountAhead },
  ): Promise<IngestResult> {
    const message = verified.message as SnsNotification;
    let event;
    try {
      event = parseSesEvent(message.Message);
    } catch (error) {
      // Archived as every verified message is, then answered.
      await archiveHere(body, verified);
      if (error instanceof SesEventParseError && error.code !== 'invalid-event') {
        return webhookAnswer('ignored', log, error.code, error.message);
      }
      throw error;
    }
    log.sesMessageId = event.mail.messageId;
    log.eventType = event.eventType;
    const ses = { sesMessageId: event.mail.messageId, eventType: event.eventType };
    let archiveKey: string | undefined;
    if (options.enqueue) {
      const next = await queueMessageOf(body, verified, message, ses);
      archiveKey = next.archiveKey;
      if (next.queued) {
        try {
          await options.enqueue(next.queued);
        } catch (error) {
          // Queues promise only that a resolved send was written: a rejected one may have been
          // written too. SNS delivers it again all the same, and the event is recorded once (by
          // its SNS MessageId); this POST's figures then count twice (its 503 here, and the
          // `queued` answer its message carries, counted by the consumer).
          // https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
          // https://developers.cloudflare.com/queues/reference/delivery-guarantees/
          log.error = error instanceof Error ? error.message : String(error);
          return webhookAnswer('unavailable', log, 'queue-send-failed', 'the SES events queue refused the event');
        }
        return options.countAnswersAhead
          ? { ...webhookAnswer('queued', log), countedByConsumer: true }
          : webhookAnswer('queued', log);
      }
    }
    // The lag is taken before recording, so the one counted ahead is the one answered.
    const at = now().getTime();
    const lagMs = Math.max(0, at - Date.parse(message.Timestamp));
    if (options.countAnswersAhead) counting.ahead = { figures: appliedFiguresAhead(lagMs, at) };
    // Archived here (direct mode, or a message too large for the queue: its key) once its route
    // is known, under its organisation's archive days; before anything is recorded or parked.
    const provenance = archiveKey
      ? provenanceOf(archiveKey)
      : async (route: MessageRoute | null) => provenanceOf(await archiveHere(body, verified, ses, route?.archiveDays));
    const result = await recordSesEvent(options, message.MessageId, event, provenance, counting.ahead);
    if (result.organizationId) log.organizationId = result.organizationId;
    if (result.outcome === 'applied') log.lagMs = lagMs;
    return webhookAnswer(result.outcome, log);
  }

  async function handleConfirmation(message: SnsConfirmation, log: LogFields): Promise<IngestResult> {
    const record = {
      snsMessageId: message.MessageId,
      type: message.Type,
      topicArn: message.TopicArn,
      snsTimestamp: Date.parse(message.Timestamp),
      receivedAt: now().getTime(),
    };
    if (message.Type === 'UnsubscribeConfirmation') {
      await options.adminStore.recordSubscriptionMessage({ ...record, outcome: 'unsubscribed', detail: null });
      return webhookAnswer('unsubscribe-recorded', log);
    }
    const url = assertSubscribeUrl(message.SubscribeURL, message.TopicArn);
    const failure = await confirm(url.href);
    await options.adminStore.recordSubscriptionMessage({
      ...record,
      outcome: failure ? 'confirm-failed' : 'confirmed',
      detail: failure,
    });
    return failure
      ? webhookAnswer('subscription-failed', log, 'subscribe-url-failed', failure)
      : webhookAnswer('subscription-confirmed', log);
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
      const counting: { ahead?: CountAhead } = {};
      const result = await ingestOne(body, counting);
      const receipt = counting.ahead?.receipt;
      return receipt ? { ...result, counted: receipt } : result;
    },
  };

  /** One POST body: verified, then its message handled; `counting` gets what was counted ahead. */
  async function ingestOne(body: string, counting: { ahead?: CountAhead }): Promise<IngestResult> {
    const log: LogFields = {};
    try {
      const verified = await verifySnsMessageWithCertificate(body, {
        allowedTopicArns: options.allowedTopicArns,
        now: now(),
        ...(options.fetchCertificate ? { fetchCertificate: options.fetchCertificate } : {}),
        ...(options.keyCache ? { keyCache: options.keyCache } : {}),
        ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
      });
      const message = verified.message;
      log.type = message.Type;
      log.snsMessageId = message.MessageId;
      if (message.Type === 'Notification') return await handleNotification(body, verified, log, counting);
      await archiveHere(body, verified);
      if (options.subscriptionMessages === 'report') {
        return webhookAnswer(
          'ignored',
          log,
          'subscription-message-not-handled',
          `a verified ${message.Type} is not acted on here: confirm or re-subscribe through the webhook (kuratchi-ses setup)`,
        );
      }
      return await handleConfirmation(message, log);
    } catch (error) {
      return answerError(error, log);
    }
  }
}

/** The raw archive failed (R2 unavailable): answered `unavailable`, code `archive-failed`, so SNS retries. */
class ArchiveFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The one place domain errors become answers of the contract (and so HTTP statuses). */
function answerError(error: unknown, log: LogFields): IngestResult {
  if (error instanceof ArchiveFailure) {
    log.error = error.message;
    return webhookAnswer('unavailable', log, 'archive-failed', 'the raw archive refused the message');
  }
  if (error instanceof SnsMessageError) {
    return webhookAnswer(error.code === 'too-large' ? 'too-large' : 'malformed', log, error.code, error.message);
  }
  if (error instanceof SnsVerificationError) {
    return webhookAnswer(error.retryable ? 'unavailable' : 'forbidden', log, error.code, error.message);
  }
  if (error instanceof SesEventParseError) return webhookAnswer('malformed', log, error.code, error.message);
  if (error instanceof OrgDatabaseError) return webhookAnswer('unavailable', log, error.code, error.message);
  // Anything else (D1 unavailable, a bug): 5xx, so SNS delivers again and nothing is lost. The
  // error text goes to the log only: it may hold SQL or internals.
  log.error = error instanceof Error ? error.message : String(error);
  return webhookAnswer('internal-error', log, 'internal-error');
}
