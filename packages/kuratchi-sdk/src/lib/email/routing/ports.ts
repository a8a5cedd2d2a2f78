import type {
  EmailEventRecord,
  EventProvenance,
  RecipientEffectGroup,
  SuppressionFromEvent,
  TrackingEffect,
} from '../model.js';

/**
 * The ports of routing: what recording a verified event needs of the admin database (routes, the
 * park, dead letters, subscription messages, counters) and of each organisation's email database.
 * The D1 adapters beside them implement them (`createD1AdminStore`, `createD1OrgEmailStore`);
 * `organizations/` runs the same adapters on a Durable Object. What a resolver throws is
 * `OrgDatabaseError` (`errors.ts`).
 */

/** Where an SES message's events go: the organisation and its email row. */
export interface MessageRoute {
  organizationId: string;
  emailId: string;
  /**
   * The organisation's archive override (`organization_retention.archive_days`), read with the
   * route so that archiving under its prefix costs no query; absent: the deployment's.
   */
  archiveDays?: number;
}

/**
 * Why a verified SES event is parked instead of applied: `no-route` (no `email_message_lookup` row
 * yet: waiting for `sendEmail`), `org-moving` (its organisation is being moved to its Durable
 * Object: waiting for the switch or the abort), `email-missing` (the route names an email
 * row, or an organisation, that does not exist) or `email-mismatch` (that row is bound to another
 * SES message). The first two are "waiting": applied by the sweep once they can be; the last two
 * are "orphaned": kept for the time to live, never retried on their own.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export type ParkReason = WaitReason | 'email-missing' | 'email-mismatch';

/**
 * The park reasons of an event that is waiting (applied once it can be), not orphaned.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export type WaitReason = 'no-route' | 'org-moving';

/**
 * Why an event was dead-lettered: it was parked past the time to live, its message's park was full,
 * or the queue consumer failed on it `max_retries` times (`queue-retries-exhausted`: it came back
 * through the dead-letter queue).
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/**
 * Every {@link DeadLetterReason}, in the order they are documented (the ops API and the CLI
 * accept exactly these as a filter).
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 */
export const DEAD_LETTER_REASONS = [
  'no-route',
  'org-moving',
  'email-missing',
  'email-mismatch',
  'park-full',
  'queue-retries-exhausted',
] as const satisfies ReadonlyArray<ParkReason | 'park-full' | 'queue-retries-exhausted'>;

/** A verified SES event kept until its email is known (or orphaned, see {@link ParkReason}). */
export interface ParkedEvent extends EventProvenance {
  snsMessageId: string;
  sesMessageId: string;
  /** The verified SNS Message (SES event record JSON). */
  message: string;
  parkedAt: number;
  reason: ParkReason;
}

/**
 * What parking did: `parked` (parked now), `already-parked` (this SNS message was already parked: nothing
 * changed) or `dead-lettered` (the message already had `maxPerMessage` events parked: this one
 * went to the dead-letter table with reason `park-full`, or was already there).
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export type ParkOutcome = 'parked' | 'already-parked' | 'dead-lettered';

/**
 * A parked event and the route it now has (see `listRoutableParkedEvents`).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
 */
export interface RoutableParkedEvent extends ParkedEvent {
  route: MessageRoute;
}

/**
 * Numbers of parked events, each counted up to a bound (see `countParkedEvents`).
 * @see https://developers.cloudflare.com/d1/platform/pricing/ (rows read)
 */
export interface ParkedEventCounts {
  /** Waiting for their route (`no-route`) or for their organisation's move (`org-moving`). */
  parked: number;
  /** Lookup row present, email row missing or bound to another message. */
  orphaned: number;
}

/**
 * The park of the admin database: verified events whose email is not known (yet). A parked event,
 * and the dead letter it may become, is attributed to the organisation of its route when it has
 * one as the row is written (orphaned, `org-moving`, a full park), never to one its tags name;
 * one waiting for its route (`no-route`) belongs to the deployment only.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface ParkStore {
  /**
   * Parks an event, unless its SES message already has `maxPerMessage` events parked: then it is
   * dead-lettered (`park-full`) instead. One atomic D1 batch; parking the same SNS message again
   * changes nothing.
   */
  parkEvent(event: ParkedEvent, maxPerMessage: number): Promise<ParkOutcome>;
  /**
   * Parks many events as {@link ParkStore.parkEvent} does, one outcome each in order, in one
   * atomic D1 batch per 100 events (not one round trip per event), and reads the routes of their
   * SES messages in the same batch, after parking: an event whose route appeared meanwhile (the
   * `sendEmail` race) can be applied at once.
   * @see https://developers.cloudflare.com/d1/platform/limits/ (100 bound parameters per query)
   */
  parkEvents(
    events: readonly ParkedEvent[],
    maxPerMessage: number,
  ): Promise<{ outcomes: ParkOutcome[]; routes: Map<string, MessageRoute> }>;
  /** Events of an SES message waiting for their route (`no-route`), oldest first, at most `limit`. */
  listParkedEvents(sesMessageId: string, limit: number): Promise<ParkedEvent[]>;
  /**
   * Waiting events that can be applied by now, oldest first, at most `limit` (for the sweep, and
   * for the drain after a move, `organizationId`): `no-route` ones whose route exists, and
   * `org-moving` ones whose organisation is no longer moving.
   */
  listRoutableParkedEvents(limit: number, organizationId?: string): Promise<RoutableParkedEvent[]>;
  /**
   * Changes why a parked event is parked: orphaned (`email-missing` / `email-mismatch`) or
   * `org-moving`; it is attributed to the organisation of its route by now.
   */
  setParkReason(snsMessageId: string, reason: Exclude<ParkReason, 'no-route'>): Promise<void>;
  /** Removes a parked event once applied. */
  deleteParkedEvent(snsMessageId: string): Promise<void>;
  /**
   * Moves up to `limit` events parked since before `cutoff` (oldest first) to the dead-letter
   * table, with their reason, in one atomic D1 batch. Returns how many left the park.
   */
  expireParkedEvents(cutoff: number, limit: number, now: number): Promise<number>;
  /**
   * Parked events by kind, each counted up to `bound` (a health figure that reads at most that
   * many rows): the deployment's, or those attributed to `organizationId`.
   */
  countParkedEvents(bound: number, organizationId?: string): Promise<ParkedEventCounts>;
}

/**
 * A row of the dead-letter table.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export interface DeadLetter extends EventProvenance {
  snsMessageId: string;
  sesMessageId: string;
  /** The verified SNS Message (SES event record JSON). */
  message: string;
  reason: DeadLetterReason;
  firstSeenAt: number;
  deadLetteredAt: number;
  replayAttempts: number;
  lastReplayAt: number | null;
}

/**
 * Which dead letters to read: in SNS MessageId order, after a cursor, optionally filtered.
 * @see https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html (MessageId)
 */
export interface DeadLetterQuery {
  limit: number;
  /** Only SNS MessageIds greater than this (the last one of the previous page). */
  after?: string;
  reason?: DeadLetterReason;
  sesMessageId?: string;
}

/**
 * The dead-letter table of the admin database.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export interface DeadLetterStore {
  list(query: DeadLetterQuery): Promise<DeadLetter[]>;
  /**
   * Dead letters by reason, counted up to `bound` rows in all: the deployment's, those
   * attributed to `organizationId` (the organisation of their route when they were written), or,
   * with `null`, those of no known organisation (mail not sent by `sendEmail`, as far as known).
   */
  countByReason(bound: number, organizationId?: string | null): Promise<Partial<Record<DeadLetterReason, number>>>;
  /** Removes a dead letter once replayed (applied, or found already recorded). */
  delete(snsMessageId: string): Promise<void>;
  /** Records a replay that could not apply the event yet, with the reason found this time. */
  noteReplayAttempt(snsMessageId: string, reason: ParkReason, at: number): Promise<void>;
  /**
   * Adds dead letters in one atomic batch; one already there (same SNS MessageId) is kept as it is.
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   */
  addDeadLetters(letters: ReadonlyArray<Omit<DeadLetter, 'replayAttempts' | 'lastReplayAt'>>): Promise<void>;
  /**
   * Drops up to `limit` dead letters of no known organisation that still have no route and were
   * dead-lettered before `cutoff` (oldest first), adding each to the tally of dropped dead
   * letters (per UTC day first seen and reason, kept), in one atomic D1 batch. Returns how many.
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   */
  dropUnrouted(cutoff: number, limit: number, now: number): Promise<number>;
  /**
   * Drops up to `limit` dead letters of any kind dead-lettered before `cutoff` (oldest first),
   * into the same tally and in the same way as {@link DeadLetterStore.dropUnrouted}.
   */
  dropExpired(cutoff: number, limit: number, now: number): Promise<number>;
  /** The tally of dropped dead letters from the UTC day `sinceDay` (YYYY-MM-DD) on, by day. */
  droppedTally(sinceDay: string): Promise<DroppedDeadLetters[]>;
}

/**
 * How many dead letters of no known organisation were dropped, for one UTC day first seen and
 * reason (see `DeadLetterStore.dropUnrouted`).
 */
export interface DroppedDeadLetters {
  day: string;
  reason: DeadLetterReason;
  dropped: number;
}

/** The times (epoch ms) before which an organisation keeps no raw events, and no emails. */
export interface RetentionCutoffs {
  events: number;
  emails: number;
}

/**
 * Reads the retention cutoffs at `now` of the organisations named (each its override or the
 * deployment's defaults); an organisation unknown or removed is left out of the map.
 */
export type RetentionLookup = (organizationIds: readonly string[], now: Date) => Promise<Map<string, RetentionCutoffs>>;

/** A SubscriptionConfirmation or UnsubscribeConfirmation and what was done with it. */
export interface SubscriptionMessageRecord {
  snsMessageId: string;
  type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  topicArn: string;
  snsTimestamp: number;
  outcome: 'confirmed' | 'confirm-failed' | 'unsubscribed';
  detail: string | null;
  receivedAt: number;
}

/** The admin database as the ingestor needs it: routes, the park, subscription messages, counters. */
export interface AdminStore extends ParkStore {
  /**
   * The route of an SES message id, or null when `sendEmail` has not written it (yet). With
   * `countIfRouted` (direct mode's webhook), those figures are added in the same round trip when
   * the route exists, the organisation's share to the route's organisation, and the route comes
   * back with their receipt (`counted`), for {@link AdminStore.correctIngestionStats}.
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   */
  findMessageRoute(
    sesMessageId: string,
    countIfRouted?: RoutedFigures,
  ): Promise<(MessageRoute & { counted?: CountReceipt }) | null>;
  /**
   * Writes the route of an SES message id (writing the same route again changes nothing).
   * @throws {MessageBindingError} `message-routed-to-other-email` when the message id already
   *   routes to another organisation or email: the existing route is kept and reported.
   */
  putMessageRoute(sesMessageId: string, route: MessageRoute, now: number): Promise<void>;
  /** Records a subscription message (idempotent by SNS MessageId; the latest outcome wins). */
  recordSubscriptionMessage(record: SubscriptionMessageRecord): Promise<void>;
  /**
   * The routes of many SES message ids in one query (at most 100 ids: D1's bound-parameter
   * limit); ids without a route are absent from the map.
   * @see https://developers.cloudflare.com/d1/platform/limits/
   */
  findMessageRoutes(sesMessageIds: readonly string[]): Promise<Map<string, MessageRoute>>;
  /** Adds one to each named ingestion counter, stamping it with `at` (one batch). */
  countIngestion(names: readonly string[], at: number): Promise<void>;
  /**
   * Adds `counts` to the ingestion counters and `lagsMs` (SNS Timestamp to applied, one per
   * applied event) to the lag histogram of the minute of `at`, in one batch.
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   */
  recordIngestionStats(stats: IngestionStats): Promise<void>;
  /**
   * Makes the figures counted ahead (`receipt`, see {@link AdminStore.findMessageRoute}) what
   * `actual` says, in one batch: what `actual` has more is added, what it has less is taken back
   * (a counter's `last_at` goes back to its value before the receipt unless a later write moved
   * it, and a row the receipt created is deleted when it falls back to zero). Nothing to correct:
   * no round trip.
   */
  correctIngestionStats(receipt: CountReceipt, actual: IngestionStats): Promise<void>;
  /**
   * Lag percentiles of events applied since `since` (epoch ms), from the lag histogram: the
   * deployment's, or that of `organizationId`'s events.
   */
  lagPercentiles(since: number, organizationId?: string): Promise<LagPercentiles>;
  /**
   * Drops the lag histograms' minutes (the deployment's and every organisation's) before `before`
   * (epoch ms); returns how many rows went.
   */
  purgeLagBefore(before: number): Promise<number>;
  /** Every ingestion counter of the deployment, or of `organizationId` (its `outcome:<outcome>` ones). */
  listIngestionCounters(organizationId?: string): Promise<IngestionCounter[]>;
}

/**
 * Counters and lags that ingestion adds to one scope: the deployment, or one organisation.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export interface IngestionFigures {
  /** Counter name → how much to add. */
  counts: ReadonlyMap<string, number>;
  /** Lag of each applied event, in ms (SNS Timestamp to applied). */
  lagsMs: readonly number[];
}

/**
 * Figures counted ahead in the route lookup (direct mode counts the answer it expects, `applied`,
 * and corrects it in the rare other case): the deployment's, and the share of the organisation
 * the route will name.
 */
export interface RoutedFigures extends IngestionFigures {
  organization: IngestionFigures;
  at: number;
}

/** What {@link AdminStore.findMessageRoute} counted ahead, and the counters' `last_at` before it (a name absent: no row). */
export interface CountReceipt extends RoutedFigures {
  organizationId: string;
  previousLastAt: { deployment: ReadonlyMap<string, number>; organization: ReadonlyMap<string, number> };
}

/**
 * What one batch of ingestion adds to the admin database's figures: the deployment's (every
 * event), and the part of them whose organisation is known, by organisation (counted for it as
 * well). Built with `routing/ingestion-figures.ts`.
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 */
export interface IngestionStats extends IngestionFigures {
  /** Organisation id → its share of `counts` and `lagsMs` (its events' outcomes and lags). */
  organizations?: ReadonlyMap<string, IngestionFigures>;
  at: number;
}

/**
 * Lag from SNS Timestamp to applied, over a window: the number of events measured and the p50 and
 * p99 (upper bounds of their histogram buckets, see `lag-histogram.ts`; null when none).
 */
export interface LagPercentiles {
  events: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** One ingestion counter (see `ingestionCounterNames`). */
export interface IngestionCounter {
  name: string;
  count: number;
  lastAt: number;
}

/** An event to record for one email of an organisation. */
export interface RecordEventInput {
  emailId: string;
  event: EmailEventRecord;
  effects: readonly TrackingEffect[];
  /** What the event does to the email's recipients (`recipientEffectsOf`); none for opens and clicks. */
  recipients: readonly RecipientEffectGroup[];
  suppressions: readonly SuppressionFromEvent[];
  receivedAt: number;
}

/**
 * What recording an event did: `applied` (first time seen: recorded and applied), `duplicate`
 * (this SNS message, or another copy of the same SES event by its content identity, was recorded
 * before: nothing changed), `email-missing` (the email row does not
 * exist in this database (yet): nothing changed), `email-mismatch` (the email row is bound to
 * another SES message: nothing changed).
 */
export type RecordEventOutcome = 'applied' | 'duplicate' | 'email-missing' | 'email-mismatch';

/** An organisation's email database as the ingestor needs it. */
export interface OrgEmailStore {
  /**
   * Records a distinct event and applies its effects, atomically (one D1 batch), only if the
   * email row exists and is bound to the event's SES message or to none yet. Never binds the row.
   */
  recordEvent(input: RecordEventInput): Promise<RecordEventOutcome>;
  /**
   * Records many events as {@link recordEvent} does each, in as few D1 batches as the limits allow
   * (each event's statements always in the same batch, so it is applied whole or not at all).
   * Outcomes are in input order. A batch that fails throws: the events of the batches before it
   * are recorded, and recording them again is a `duplicate`.
   * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
   * @see https://developers.cloudflare.com/d1/platform/limits/
   */
  recordEvents(inputs: readonly RecordEventInput[]): Promise<RecordEventOutcome[]>;
}

/** Resolves an organisation id to its email store. */
export type OrgEmailStoreResolver = (organizationId: string) => Promise<OrgEmailStore>;
