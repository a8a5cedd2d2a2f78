import type { D1Database, MessageBatch, Queue, R2Bucket } from '@cloudflare/workers-types';
import { createSesEventIngestor, type SesEventIngestor } from '../ingest/ingest.js';
import type { SesEventSource } from '../model.js';
import type { FetchCertificate } from '../sns/sns-verify.js';
import { parkLimits, type ParkLimits } from '../routing/park-policy.js';
import { sweepParkedEvents, type SweepOptions, type SweepReport } from '../routing/park-sweep.js';
import type { EventSinkPorts } from '../routing/record.js';
import { consumeSesEventQueue, deadLetterSesEventQueue } from '../ingest/queue-consumer.js';
import { createSigningKeyCache, type SigningKeyCache } from '../sns/signing-key-cache.js';
import { createD1AdminStore } from '../routing/d1-admin-store.js';
import { createD1DeadLetterStore } from '../routing/d1-dead-letter-store.js';
import { createOrgBindingCache, createOrgDatabaseClient, getAdminDb } from '../organizations/org-databases.js';
import { createOrgEmailStore } from '../organizations/org-email-store.js';
import { createR2SnsArchive } from '../archive/r2-sns-archive.js';
import { createEmailSender, type EmailSender, type EmailSenderConfig } from '../send/send-email.js';
import { handleFirehoseDelivery } from './firehose-handler.js';
import type { WaitUntil } from './ingestion-counts.js';
import { handleSesWebhook } from './webhook-handler.js';

/**
 * Name of the SES events queue's dead-letter queue, whose batches {@link EmailTracking.queue}
 * writes to the admin dead-letter table.
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 */
export const DEFAULT_DEAD_LETTER_QUEUE_NAME = 'kuratchi-ses-events-dlq';

/** Options of {@link createEmailTracking}: the Worker's bindings and the deployment's settings. */
export interface EmailTrackingOptions {
  /**
   * The Worker's env: `ADMIN_DB` (the admin D1 database) and every binding an organisation's
   * database lives on (its D1 binding, or the Durable Object namespace of `OrganizationDatabase`).
   */
  env: Record<string, unknown>;
  /** SNS topics whose messages the webhook accepts. Empty refuses every message (the safe default). */
  allowedTopicArns: readonly string[];
  /** HTTP Basic credential the webhook requires (`https://user:password@host/...` subscriptions). */
  webhookCredential?: { username: string; password: string } | null;
  /** Queued mode: the SES events queue (webhook → queue → {@link EmailTracking.queue}, which sends back what it defers); none: direct mode. */
  queue?: Queue<unknown> | null;
  /** Name of that queue's dead-letter queue; default {@link DEFAULT_DEAD_LETTER_QUEUE_NAME}. */
  deadLetterQueueName?: string;
  /** The raw archive (R2): every verified SNS message is stored before it is applied (queued mode: by the consumer, one object per batch); none: not archived. */
  archive?: R2Bucket | null;
  /** How long and how many events the park holds; defaults 24 h and 100 per SES message. */
  park?: Partial<ParkLimits>;
  /** The access key of the Firehose HTTP endpoint; none: the endpoint refuses every request. */
  firehoseAccessKey?: string | null;
  /** Sending through SES: the client (or its configuration) and the defaults of `sendEmail`. */
  sender?: Omit<EmailSenderConfig, 'adminDb' | 'orgDatabase'>;
  /**
   * Where signing certificates come from: the default fetches them over HTTPS (after the URL is
   * checked) into a cache kept for the isolate's life. Tests and the local demo pass their own.
   */
  certificates?: { fetchCertificate: FetchCertificate; keyCache?: SigningKeyCache };
  /** Clock; default the current time. */
  now?: () => Date;
  /**
   * Told of every event recorded in an organisation's database, on every path (the webhook, the
   * queue consumer, the park); must only enqueue. The dashboard sends them to the outbound
   * webhooks queue. See `EventSinkPorts.onRecorded`.
   */
  onRecorded?: EventSinkPorts['onRecorded'];
  /**
   * Each organisation's retention cutoffs (the dashboard's: `createD1RetentionLookup`): an event
   * older than its organisation's retention is dropped as `expired`. See `EventSinkPorts.retention`.
   */
  retention?: EventSinkPorts['retention'];
}

/** What a path may change of the ingestor (the redrive path: an older window, its own source). */
export interface IngestorPathOptions {
  maxAgeSeconds?: number;
  subscriptionMessages?: 'handle' | 'report';
  source?: SesEventSource;
}

/** Everything a Worker wires for SES event tracking, from {@link createEmailTracking}. */
export interface EmailTracking {
  /** The SNS webhook: answers one SNS POST (verify, then record or enqueue), as the webhook contract says. */
  webhook(request: Request, context?: WaitUntil): Promise<Response>;
  /** The Firehose HTTP endpoint: answers one delivery request (access key, records, queue or record). */
  firehose(request: Request, context?: WaitUntil): Promise<Response>;
  /** The Worker's `queue` handler: SES events in batches; the dead-letter queue into the dead-letter table. */
  queue(batch: MessageBatch<unknown>): Promise<void>;
  /**
   * The park sweep, for the Worker's `scheduled` handler: applies what can be, dead-letters the
   * expired; `limits` bound its D1 queries (defaults of `sweepParkedEvents`).
   */
  sweepPark(now: Date, limits?: Pick<SweepOptions, 'maxApplied' | 'maxPages'>): Promise<SweepReport>;
  /** Sends one email through SES and tracks it (`sendEmail`); needs `sender`. */
  sendEmail: EmailSender['sendEmail'];
  /** The ingestor behind {@link webhook}, for other paths of signed SNS messages (the redrive). */
  ingestor(path?: IngestorPathOptions): SesEventIngestor;
  /** The stores events are recorded in: the admin database and each organisation's database. */
  sink: EventSinkPorts;
  /** An organisation's database (its D1 binding or its Durable Object, through D1's API). */
  orgDatabase(organizationId: string): Promise<D1Database>;
}

/**
 * Per-isolate caches (certificates, where organisations live, archived certificates): kept for
 * the isolate's life so a warm Worker neither refetches a certificate nor rereads where an
 * organisation's database is on every event. They hold public certificates and binding names only.
 * @see https://developers.cloudflare.com/workers/reference/how-workers-works/#isolates
 */
const keyCache = createSigningKeyCache();
const orgBindings = createOrgBindingCache();
const knownCertificates = new Set<string>();

/**
 * The one entry point of SES event tracking in a Worker: build it from the env in each handler
 * (it is cheap: nothing is read until used) and hand it the requests, batches and cron events.
 *
 * ```ts
 * const tracking = createEmailTracking({ env, allowedTopicArns: [env.SNS_TOPIC_ARN], queue: env.SES_EVENTS_QUEUE });
 * return tracking.webhook(request, ctx);
 * ```
 * @throws {OrgDatabaseError} when `env.ADMIN_DB` is not a D1 binding; `RangeError` for bad park limits.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns.html
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/
 */
export function createEmailTracking(options: EmailTrackingOptions): EmailTracking {
  const adminDb = getAdminDb(options.env);
  const park = parkLimits(options.park);
  const orgDatabase = createOrgDatabaseClient(adminDb, options.env, orgBindings);
  const sink: EventSinkPorts = {
    adminStore: createD1AdminStore(adminDb),
    resolveOrgEmailStore: async (organizationId) => createOrgEmailStore(await orgDatabase(organizationId)),
    maxParkedEventsPerMessage: park.maxParkedEventsPerMessage,
    ...(options.now ? { now: options.now } : {}),
    ...(options.onRecorded ? { onRecorded: options.onRecorded } : {}),
    ...(options.retention ? { retention: options.retention } : {}),
  };
  const queue = options.queue ?? null;
  const archive = options.archive ? createR2SnsArchive(options.archive, { knownCertificates }) : null;
  // The webhook's own ingestor counts its answers ahead (its handler corrects them); no other path's.
  const ingestor = (path: IngestorPathOptions = {}, countAnswersAhead = false) =>
    createSesEventIngestor({
      countAnswersAhead,
      allowedTopicArns: options.allowedTopicArns,
      ...sink,
      ...(queue ? { enqueue: async (message) => void (await queue.send(message, { contentType: 'json' })) } : {}),
      ...(archive ? { archive } : {}),
      ...(options.certificates ?? { keyCache }),
      ...path,
    });
  let sender: EmailSender | undefined;
  let webhookIngestor: SesEventIngestor | undefined;
  return {
    webhook: (request, context) =>
      handleSesWebhook(request, {
        // Made on the first POST (its settings are read then), kept for the façade's life.
        ingestor: (webhookIngestor ??= ingestor({}, true)),
        adminStore: sink.adminStore,
        credential: options.webhookCredential ?? null,
        ...(context ? { context } : {}),
      }),
    firehose: (request, context) =>
      handleFirehoseDelivery(request, {
        accessKey: options.firehoseAccessKey ?? null,
        sink: () => sink,
        queue,
        ...(context ? { context } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
    async queue(batch) {
      if (batch.queue === (options.deadLetterQueueName ?? DEFAULT_DEAD_LETTER_QUEUE_NAME)) {
        const now = (options.now ?? (() => new Date()))();
        await deadLetterSesEventQueue(batch, createD1DeadLetterStore(adminDb), now, archive, sink.adminStore);
        return;
      }
      await consumeSesEventQueue(batch, sink, queue, archive);
    },
    sweepPark: (now, limits) =>
      sweepParkedEvents(sink, { now, ...park, ...limits, deadLetters: createD1DeadLetterStore(adminDb) }),
    sendEmail(sendOptions) {
      if (!options.sender) {
        throw new TypeError(
          'createEmailTracking: sendEmail needs the `sender` option (its SES client or configuration)',
        );
      }
      sender ??= createEmailSender({ ...options.sender, adminDb, orgDatabase });
      return sender.sendEmail(sendOptions);
    },
    ingestor: (path) => ingestor(path),
    sink,
    orgDatabase,
  };
}
