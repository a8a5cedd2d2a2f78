import type { EmailEventRecord, EventProvenance } from '../model.js';
import { sesEventContentId } from '../ses-events/content-identity.js';
import { OrgDatabaseError } from './errors.js';
import type {
  AdminStore,
  CountReceipt,
  RoutedFigures,
  ParkReason,
  MessageRoute,
  OrgEmailStoreResolver,
  ParkedEvent,
  RecordEventInput,
  RecordEventOutcome,
  RetentionLookup,
} from './ports.js';
import { expiredByRetention } from './retention-gate.js';
import { countExpired } from './ingestion-figures.js';
import { effectsOf, suppressionsOf } from '../ses-events/apply.js';
import { classifyEngagement } from '../ses-events/engagement.js';
import { rawBotVerdict } from '../ses-events/ses-bot-verdict.js';
import { recipientEffectsOf } from '../ses-events/recipient-effects.js';
import { DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE } from './park-policy.js';
import { parseSesEvent, sesEventDetail, sesEventTime, type SesEvent } from '../ses-events/ses-event.js';

/** The stores and clock that recording a verified SES event needs. */
export interface EventSinkPorts {
  adminStore: AdminStore;
  /** Resolves an organisation id to its email store; throws `OrgDatabaseError`. */
  resolveOrgEmailStore: OrgEmailStoreResolver;
  /** Current time; default `() => new Date()`. */
  now?: () => Date;
  /** Most events parked (waiting or orphaned) per SES message; default 100 (see `park-policy.ts`). */
  maxParkedEventsPerMessage?: number;
  /**
   * Told of events recorded in an organisation's database (applied, or found already recorded:
   * a copy whose first telling failed is told again), after recording; outbound webhooks enqueue
   * them here. It must only enqueue (never wait on a customer's endpoint); when it throws, the
   * caller fails as for a database error (5xx, or the queue's retry), and the copy is told again.
   */
  onRecorded?: (events: readonly RecordedEvent[]) => Promise<void>;
  /**
   * Each organisation's retention cutoffs: with it, an event retention may have purged already is
   * `expired` rather than parked or recorded (`expiredByRetention`); without it, nothing is.
   */
  retention?: RetentionLookup;
}

/** An event recorded in an organisation's database, as {@link EventSinkPorts.onRecorded} is told of it. */
export interface RecordedEvent {
  organizationId: string;
  emailId: string;
  /** The event's content identity (`sesEventContentId`). */
  contentId: string;
  event: SesEvent;
}

/**
 * What became of a verified SES event: `applied` or `duplicate` (recorded in its email's row),
 * `parked` (no route yet: parked until `sendEmail` writes it; or its organisation is being
 * moved: parked until the move ends), `orphaned` (the route names
 * an email row that is gone or bound to another message: parked for the time to live, counted), or
 * `dead-lettered` (its message already had the most events parked that the park allows), or
 * `expired` (older than its organisation's retention: its email, or its raw row, may be purged
 * already; dropped, counted, never recorded: `expiredByRetention`).
 */
export type SinkOutcome = 'applied' | 'duplicate' | 'parked' | 'orphaned' | 'dead-lettered' | 'expired';

/**
 * One copy of an event: its SNS MessageId (`content:<contentId>` for a copy that came without
 * one) and its provenance.
 */
export interface EventOrigin extends EventProvenance {
  snsMessageId: string;
}

/**
 * Figures to count in the route lookup when the route exists (`AdminStore.findMessageRoute`);
 * `receipt` is set once they are counted, so the caller corrects them whatever the outcome.
 */
export interface CountAhead {
  figures: RoutedFigures;
  receipt?: CountReceipt;
}

/**
 * An event's provenance once its route is looked up (null: none yet): the webhook archives the
 * raw message here, under the prefix of the organisation's archive days, before anything is
 * recorded or parked. What it throws, `recordSesEvent` throws.
 */
export type ProvenanceOfRoute = (route: MessageRoute | null) => Promise<EventProvenance>;

/**
 * The outcome and, when known, the organisation the event was routed to (for one `expired`
 * without a route, the organisation its `kuratchi-org-id` tag names, whose figures count it).
 */
export interface SinkResult {
  outcome: SinkOutcome;
  organizationId?: string;
}

/**
 * Routes a verified SES event to its organisation and records it there, or parks it.
 *
 * The only route is the admin `email_message_lookup` row of `mail.messageId`, which `sendEmail`
 * writes once SES has answered with that message id. The message tags (`kuratchi-org-id`,
 * `kuratchi-email-id`) are never a route: anyone sending through the same SES account and
 * configuration set can set them, so an event without a route is parked (whatever its tags
 * say) and applied only once `sendEmail` has written the route, and then only to the row it
 * names, if that row is bound to this message or to none yet. An event without a route whose
 * mail retention has already purged, or a routed one older than its organisation's events
 * retention, is `expired` instead (`expiredByRetention`: no query for a recent one). Applying one
 * event costs a fixed number of D1 round trips, whatever the park holds: nothing here re-tries other parked events.
 * After parking, the route is looked up once more, so an event that raced `sendEmail` (which
 * drains the park right after writing the route) is applied rather than left behind. An
 * event whose organisation is being moved (`organization-moving`) is parked too, as `org-moving`,
 * and applied where the organisation lives once the move ends (`drainParkedEvents`, the sweep).
 * @throws database errors (the caller answers 5xx so SNS retries), and
 *   {@link OrgDatabaseError} `binding-missing` / `admin-db-missing`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html (tags are the sender's to set)
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html (the MessageId SES answers)
 */
export async function recordSesEvent(
  ports: EventSinkPorts,
  snsMessageId: string,
  event: SesEvent,
  provenance: EventProvenance | ProvenanceOfRoute = {},
  countIfRouted?: CountAhead,
): Promise<SinkResult> {
  const sesMessageId = event.mail.messageId;
  const parkedAt = nowMs(ports);
  const found = countIfRouted
    ? await ports.adminStore.findMessageRoute(sesMessageId, countIfRouted.figures)
    : await ports.adminStore.findMessageRoute(sesMessageId);
  // Counted with the route: the receipt first, so the caller corrects it whatever follows.
  if (found?.counted && countIfRouted) countIfRouted.receipt = found.counted;
  const origin = typeof provenance === 'function' ? await provenance(found) : provenance;
  const toPark = { snsMessageId, sesMessageId, message: JSON.stringify(event), parkedAt, ...origin };
  if (found) {
    const { counted: _counted, ...route } = found;
    return recordOrPark(ports, route, toPark, event);
  }
  const [expired] = await expiredByRetention(
    ports.retention,
    [{ event, source: origin.source }],
    new Date(toPark.parkedAt),
  );
  if (expired) return { outcome: 'expired', organizationId: expired };

  const parked = await ports.adminStore.parkEvent({ ...toPark, reason: 'no-route' }, maxParked(ports));
  if (parked === 'dead-lettered') return { outcome: 'dead-lettered' };
  const late = await ports.adminStore.findMessageRoute(sesMessageId);
  if (!late) return { outcome: 'parked' };
  const outcome = await applyParkedEvent(ports, late, { ...toPark, reason: 'no-route' }, event);
  return { outcome: outcome === 'waiting' ? 'parked' : outcome, organizationId: late.organizationId };
}

/**
 * Applies the events parked for an SES message id, now that its route exists; call it right
 * after writing the `email_message_lookup` row (`sendEmail` does; the scheduled sweep catches what
 * a failed call left). Each applied (or already recorded) event leaves the park; one whose email
 * row is missing or bound to another message is marked orphaned. Drains at most the park's cap of
 * events (all of them, for a message parked through this SDK). Safe to call any number of times,
 * concurrently too: recording is idempotent by SNS MessageId and content identity.
 * @returns how many parked events were newly applied.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (at most cap × 4 queries)
 */
export async function applyParkedEvents(ports: EventSinkPorts, sesMessageId: string): Promise<number> {
  const route = await ports.adminStore.findMessageRoute(sesMessageId);
  if (!route) return 0;
  let applied = 0;
  const expired: string[] = [];
  for (const parked of await ports.adminStore.listParkedEvents(sesMessageId, maxParked(ports))) {
    const outcome = await applyParkedEvent(ports, route, parked);
    if (outcome === 'applied') applied++;
    else if (outcome === 'expired') expired.push(route.organizationId);
  }
  await countExpired(ports.adminStore, expired, nowMs(ports), 'park-drain');
  return applied;
}

/**
 * Applies one event that is in the park, by its route: once recorded (or
 * found recorded), or `expired` by now (`recordRouted`: never recorded), it leaves the park;
 * otherwise it stays, marked orphaned, or `waiting` (marked `org-moving`) while its organisation
 * is being moved. The caller counts an `expired` one (`countExpired`, or its own figures).
 * @internal shared by the sink, the sweep, the drain after a move and the queue consumer.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function applyParkedEvent(
  ports: EventSinkPorts,
  route: MessageRoute,
  toPark: ParkedEvent,
  event: SesEvent = parseSesEvent(toPark.message),
): Promise<'applied' | 'duplicate' | 'orphaned' | 'waiting' | 'expired'> {
  const outcome = await recordRouted(ports, route, toPark, event);
  if (outcome === 'applied' || outcome === 'duplicate' || outcome === 'expired') {
    await ports.adminStore.deleteParkedEvent(toPark.snsMessageId);
    return outcome;
  }
  if (toPark.reason !== outcome) await ports.adminStore.setParkReason(toPark.snsMessageId, outcome);
  return outcome === 'org-moving' ? 'waiting' : 'orphaned';
}

/**
 * Records an event in the email row its route names, unless it is older than its
 * organisation's retention at `ports.now` (`expired`, by `expiredByRetention`: nothing recorded;
 * no query for a recent event): the one gate of every path that records a routed event one at a
 * time (the sink, the park's sweep and drains, a dead letter's replay). `email-missing` also
 * covers an organisation that does not exist (any more); `org-moving` means nothing was recorded
 * because the organisation is being moved (its database is refused until the move ends).
 * @internal
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function recordRouted(
  ports: EventSinkPorts,
  route: MessageRoute,
  origin: EventOrigin,
  event: SesEvent,
): Promise<RecordEventOutcome | 'org-moving' | 'expired'> {
  const gated = { event, source: origin.source, organizationId: route.organizationId };
  const [expired] = await expiredByRetention(ports.retention, [gated], new Date(nowMs(ports)));
  if (expired) return 'expired';
  let store;
  try {
    store = await ports.resolveOrgEmailStore(route.organizationId);
  } catch (error) {
    if (error instanceof OrgDatabaseError && error.code === 'organization-not-found') return 'email-missing';
    if (error instanceof OrgDatabaseError && error.code === 'organization-moving') return 'org-moving';
    throw error;
  }
  const contentId = await sesEventContentId(event);
  const outcome = await store.recordEvent(recordEventInput(route, { ...origin, contentId }, event, nowMs(ports)));
  if (ports.onRecorded && (outcome === 'applied' || outcome === 'duplicate')) {
    await ports.onRecorded([{ organizationId: route.organizationId, emailId: route.emailId, contentId, event }]);
  }
  return outcome;
}

/**
 * What an organisation's store records for a routed event: its row (with its content identity,
 * `sesEventContentId(event)`, and provenance), effects and suppressions.
 * @internal shared by the sink and the queue consumer.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function recordEventInput(
  route: MessageRoute,
  origin: EventOrigin & { contentId: string },
  event: SesEvent,
  receivedAt: number,
): RecordEventInput {
  return {
    emailId: route.emailId,
    event: eventRecord(origin, event),
    effects: effectsOf(event),
    recipients: recipientEffectsOf(event),
    suppressions: suppressionsOf(event),
    receivedAt,
  };
}

/**
 * How many D1 statements recording `input` costs (the insert, the email UPDATE, two when the
 * event raises the status (`compileStatusSplit`), a click's burst reclassification, one upsert per
 * recipient group, one insert per suppression): what the queue consumer counts against the
 * per-invocation query budget, and what the D1 store sizes its batches by.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (queries per Worker invocation)
 */
export function recordInputCost(input: RecordEventInput): number {
  const burst = input.event.link !== null && input.event.engagement !== null ? 1 : 0;
  const update = input.effects.some((effect) => effect.kind === 'raise-status') ? 2 : 1;
  return 1 + update + burst + input.recipients.length + input.suppressions.length;
}

/** Records a routed event, or parks it as orphaned or `org-moving` (or dead-letters it when its park is full). */
async function recordOrPark(
  ports: EventSinkPorts,
  route: MessageRoute,
  toPark: Omit<ParkedEvent, 'reason'>,
  event: SesEvent,
): Promise<SinkResult> {
  const organizationId = route.organizationId;
  const outcome = await recordRouted(ports, route, toPark, event);
  if (outcome === 'applied' || outcome === 'duplicate' || outcome === 'expired') return { outcome, organizationId };
  const reason: ParkReason = outcome;
  const parked = await ports.adminStore.parkEvent({ ...toPark, reason }, maxParked(ports));
  return { outcome: parked === 'dead-lettered' ? 'dead-lettered' : parkedOutcome(reason), organizationId };
}

/**
 * What parking an event for `reason` is called in an outcome: `parked` while it waits (for its
 * route or its organisation's move), `orphaned` otherwise.
 * @internal shared by the sink and the queue consumer.
 */
export function parkedOutcome(reason: ParkReason): 'parked' | 'orphaned' {
  return reason === 'no-route' || reason === 'org-moving' ? 'parked' : 'orphaned';
}

function eventRecord(origin: EventOrigin & { contentId: string }, event: SesEvent): EmailEventRecord {
  return {
    snsMessageId: origin.snsMessageId,
    contentId: origin.contentId,
    source: origin.source ?? 'sns',
    archiveKey: origin.archiveKey ?? null,
    sesMessageId: event.mail.messageId,
    eventType: event.eventType,
    occurredAt: sesEventTime(event),
    detail: JSON.stringify(sesEventDetail(event)),
    engagement: event.eventType === 'Open' || event.eventType === 'Click' ? classifyEngagement(event) : null,
    isBotEvent: event.eventType === 'Open' || event.eventType === 'Click' ? rawBotVerdict(event) : null,
    link: event.eventType === 'Click' ? event.click.link : null,
    mailTimestamp: Date.parse(event.mail.timestamp),
  };
}

/** @internal the park's cap of these ports. */
export function maxParked(ports: EventSinkPorts): number {
  return ports.maxParkedEventsPerMessage ?? DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE;
}

function nowMs(ports: EventSinkPorts): number {
  return (ports.now?.() ?? new Date()).getTime();
}
