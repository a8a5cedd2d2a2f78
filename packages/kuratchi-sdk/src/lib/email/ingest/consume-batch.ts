import { OrgDatabaseError } from '../routing/errors.js';
import { SesEventParseError } from '../ses-events/errors.js';
import type { ParkReason, MessageRoute, OrgEmailStore, RecordEventInput } from '../routing/ports.js';
import {
  applyParkedEvent,
  parkedOutcome,
  maxParked,
  recordEventInput,
  recordInputCost,
  type EventOrigin,
  type EventSinkPorts,
  type SinkOutcome,
  type RecordedEvent,
} from '../routing/record.js';
import { sesEventContentId } from '../ses-events/content-identity.js';
import { addCount, countOutcome, createIngestionTally, type IngestionTally } from '../routing/ingestion-figures.js';
import { queueMessageProvenance, readSesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';
import { parseSesEvent, type SesEvent } from '../ses-events/ses-event.js';
import { expiredByRetention } from '../routing/retention-gate.js';

/**
 * One message of a queue batch as the consumer sees it: the Queue message's `id`, `body` and
 * `attempts` (1 on first delivery).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#message
 */
export interface QueuedDelivery {
  id: string;
  body: unknown;
  attempts: number;
}

/**
 * What to do with one delivery: `ack` (done: recorded, a duplicate, parked, dead-lettered
 * or unreadable), `retry` after `delaySeconds` (a retry can fix it: a database error, a binding
 * missing), or `defer` (not tried: the invocation's query budget was spent on the events before
 * it). A deferral is no failure: the queue consumer sends the message back to the queue as a new
 * one and acks this one, so it never uses up the queue's `max_retries` (`retry()` would: every
 * delivery counts in `attempts`).
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#message (attempts)
 */
export type DeliveryVerdict =
  | { action: 'ack'; outcome: SinkOutcome | 'unreadable'; organizationId?: string; lagMs?: number }
  | { action: 'retry'; delaySeconds: number; reason: string }
  | { action: 'defer'; reason: string };

/**
 * The result of one batch: a verdict per delivery id, and the figures it added: counters
 * (`outcome:<outcome>`, `consumer:retried`, `consumer:deferred`, `consumer:unreadable`) and the lag of each event
 * applied (SNS Timestamp to applied, ms), the deployment's and, for the events routed to an
 * organisation, that organisation's share (`routing/ingestion-figures.ts`).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#messagebatch
 */
export interface ConsumeReport extends IngestionTally {
  verdicts: Map<string, DeliveryVerdict>;
  /** The events recorded (applied or duplicate), by delivery id: what `onRecorded` is told. */
  recorded: Map<string, RecordedEvent>;
}

/**
 * Most D1 queries one consumer invocation spends on recording events: D1 allows 1,000 per Worker
 * invocation (Workers Paid); the rest is kept for routing, parking and the figures. Events past
 * it are deferred (`defer`), never failed, dropped or dead-lettered; the first event of a batch is
 * always recorded, even one that costs more than the whole budget alone.
 * @see https://developers.cloudflare.com/d1/platform/limits/ ("Queries per Worker invocation")
 */
export const CONSUMER_RECORD_QUERY_BUDGET = 900;

/** Options of {@link consumeSesEventBatch}. */
export interface ConsumeOptions {
  /** Most D1 statements spent on recording; default {@link CONSUMER_RECORD_QUERY_BUDGET}. */
  queryBudget?: number;
  /**
   * Routes already read for some SES message ids (`findRoutes`: the queue consumer reads those of
   * the messages it archives first, for their archive days); only the others are read again.
   */
  known?: KnownRoutes;
}

/** Routes read for `ids` (an id without a route has none: it is not read again). */
export interface KnownRoutes {
  ids: ReadonlySet<string>;
  routes: ReadonlyMap<string, MessageRoute>;
}

/** The longest retry delay, in seconds; Queues allow up to 12 hours. */
const MAX_RETRY_DELAY_SECONDS = 15 * 60;

/**
 * The retry delay of a delivery seen `attempts` times: 10 s, doubling per attempt, at most 15
 * minutes, so a D1 incident is ridden out without hammering the database.
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#delay-messages
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, 10 * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}

interface Readable {
  delivery: QueuedDelivery;
  queued: SesEventQueueMessage;
  event: SesEvent;
  contentId: string;
}

/**
 * Applies one batch of the SES events queue (up to 100 messages) with the same rules as direct
 * mode, in a handful of D1 round trips: every route with one admin query (the route is the
 * only route), then each organisation's events with `recordEvents` (as few D1 batches as the
 * limits allow, each event whole), organisations in parallel. Idempotent by SNS MessageId and by
 * content identity (`sesEventContentId`), so a redelivered message, another copy of the same SES
 * event, or a batch retried after a failure halfway or a consumer that died, is a `duplicate`
 * where it was recorded and applied where it was not: nothing counts twice.
 * - routed and recorded (or found recorded): ack, `applied` / `duplicate`;
 * - older than its organisation's retention (`expiredByRetention`): ack, `expired`, nothing written;
 * - no route: parked (ack, `parked`), up to 100 in one D1 batch that also reads their routes
 *   once more after parking, so an event that raced `sendEmail` is applied rather than left for
 *   the sweep; the park full: `dead-lettered`;
 * - route naming a missing or foreign row: parked as `orphaned` (ack);
 * - its organisation being moved (`organization-moving`): parked as `org-moving` (ack, `parked`),
 *   applied where it lives once the move ends (`drainParkedEvents`, the sweep), however long it takes;
 * - a database error, or an organisation's binding missing: `retry` with a growing delay (after
 *   the queue's `max_retries` the message goes to the dead-letter queue: `deadLetterSesEvents`);
 * - past the query budget: `defer` (sent back to the queue as a new message by the caller);
 * - a body this version cannot read: ack, `unreadable` (logged and counted by the caller).
 * Never throws for one message's failure; the caller acks and retries by the verdicts, then
 * writes the report's figures (`AdminStore.recordIngestionStats`).
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function consumeSesEventBatch(
  ports: EventSinkPorts,
  deliveries: readonly QueuedDelivery[],
  options: ConsumeOptions = {},
): Promise<ConsumeReport> {
  const report: ConsumeReport = { verdicts: new Map(), recorded: new Map(), ...createIngestionTally() };
  const now = (ports.now ?? (() => new Date()))().getTime();
  const readable = await readAll(deliveries, report);

  let routes: Map<string, MessageRoute>;
  try {
    routes = (
      await findRoutes(
        ports,
        readable.map((r) => r.event.mail.messageId),
        options.known,
      )
    ).routes;
  } catch (error) {
    for (const r of readable) retry(report, r.delivery, `routing failed: ${describe(error)}`);
    return finish(report);
  }

  const kept = await dropExpired(ports, readable, routes, now, report);
  const byOrganization = new Map<string, Array<Readable & { route: MessageRoute }>>();
  const unrouted: Readable[] = [];
  for (const r of kept) {
    const route = routes.get(r.event.mail.messageId);
    if (!route) unrouted.push(r);
    else {
      const group = byOrganization.get(route.organizationId) ?? [];
      group.push({ ...r, route });
      byOrganization.set(route.organizationId, group);
    }
  }

  let budget = options.queryBudget ?? CONSUMER_RECORD_QUERY_BUDGET;
  let taken = 0;
  const groups = [...byOrganization].map(([organizationId, group]) => {
    const fits: typeof group = [];
    for (const item of group) {
      const cost = recordInputCost(recordInputOf(item, now));
      // The first event always fits: one that costs more than the whole budget gets it alone.
      if (cost <= budget || taken === 0) {
        budget -= cost;
        taken++;
        fits.push(item);
      } else verdict(report, item.delivery, { action: 'defer', reason: 'query budget of this invocation used up' });
    }
    return { organizationId, group: fits };
  });
  await Promise.all(groups.map(({ organizationId, group }) => recordGroup(ports, organizationId, group, now, report)));
  await parkUnrouted(ports, unrouted, now, report);
  return finish(report);
}

async function readAll(deliveries: readonly QueuedDelivery[], report: ConsumeReport): Promise<Readable[]> {
  const readable: Array<Omit<Readable, 'contentId'>> = [];
  for (const delivery of deliveries) {
    const queued = readSesEventQueueMessage(delivery.body);
    let event: SesEvent | null = null;
    if (queued) {
      try {
        event = parseSesEvent(queued.message);
      } catch (error) {
        if (!(error instanceof SesEventParseError)) throw error;
      }
    }
    if (!queued || !event) verdict(report, delivery, { action: 'ack', outcome: 'unreadable' });
    else readable.push({ delivery, queued, event });
  }
  return Promise.all(readable.map(async (r) => ({ ...r, contentId: await sesEventContentId(r.event) })));
}

/**
 * Acks as `expired` the events retention already purged (`expiredByRetention`), each counted for
 * the organisation whose retention it is past, and returns the others; when the retention cannot
 * be read (a database error), the whole batch is retried.
 */
async function dropExpired(
  ports: EventSinkPorts,
  readable: readonly Readable[],
  routes: ReadonlyMap<string, MessageRoute>,
  now: number,
  report: ConsumeReport,
): Promise<Readable[]> {
  const gated = readable.map((r) => ({
    event: r.event,
    source: r.queued.source,
    organizationId: routes.get(r.event.mail.messageId)?.organizationId,
  }));
  let expired: Array<string | null>;
  try {
    expired = await expiredByRetention(ports.retention, gated, new Date(now));
  } catch (error) {
    for (const r of readable) retry(report, r.delivery, `retention unreadable: ${describe(error)}`);
    return [];
  }
  return readable.filter((r, i) => {
    const organizationId = expired[i];
    if (!organizationId) return true;
    verdict(report, r.delivery, { action: 'ack', outcome: 'expired', organizationId });
    return false;
  });
}

/**
 * The routes of SES message ids, one admin query per 100 (`findMessageRoutes`), each with its
 * organisation's archive days; ids in `known` are not read again.
 * @throws what the admin database throws.
 * @see https://developers.cloudflare.com/d1/platform/limits/ (100 bound parameters per query)
 */
export async function findRoutes(
  ports: Pick<EventSinkPorts, 'adminStore'>,
  sesMessageIds: readonly string[],
  known?: KnownRoutes,
): Promise<{ ids: Set<string>; routes: Map<string, MessageRoute> }> {
  const ids = new Set(sesMessageIds);
  const routes = new Map<string, MessageRoute>();
  const unread: string[] = [];
  for (const id of ids) {
    if (!known?.ids.has(id)) unread.push(id);
    else if (known.routes.has(id)) routes.set(id, known.routes.get(id)!);
  }
  for (let from = 0; from < unread.length; from += 100) {
    for (const [id, route] of await ports.adminStore.findMessageRoutes(unread.slice(from, from + 100))) {
      routes.set(id, route);
    }
  }
  return { ids, routes };
}

const inputs = new WeakMap<Readable, RecordEventInput>();
function recordInputOf(item: Readable & { route: MessageRoute }, now: number): RecordEventInput {
  let input = inputs.get(item);
  if (!input) {
    input = recordEventInput(item.route, originOf(item), item.event, now);
    inputs.set(item, input);
  }
  return input;
}

/** Records one organisation's events of the batch; parks what its rows reject; retries on failure. */
async function recordGroup(
  ports: EventSinkPorts,
  organizationId: string,
  group: ReadonlyArray<Readable & { route: MessageRoute }>,
  now: number,
  report: ConsumeReport,
): Promise<void> {
  if (group.length === 0) return;
  let store: OrgEmailStore | null;
  try {
    store = await ports.resolveOrgEmailStore(organizationId);
  } catch (error) {
    if (error instanceof OrgDatabaseError && error.code === 'organization-moving') {
      await parkAll(
        ports,
        group.map((item) => ({ item, reason: 'org-moving' as const })),
        now,
        report,
        organizationId,
      );
      return;
    }
    if (!(error instanceof OrgDatabaseError && error.code === 'organization-not-found')) {
      for (const item of group) retry(report, item.delivery, describe(error));
      return;
    }
    store = null;
  }
  let outcomes: string[];
  try {
    outcomes = store
      ? await store.recordEvents(group.map((item) => recordInputOf(item, now)))
      : group.map(() => 'email-missing');
  } catch (error) {
    for (const item of group) retry(report, item.delivery, `recording failed: ${describe(error)}`);
    return;
  }
  const toPark: Array<{ item: Readable; reason: ParkReason }> = [];
  group.forEach((item, i) => {
    const outcome = outcomes[i]!;
    if (outcome === 'applied' || outcome === 'duplicate') {
      verdict(report, item.delivery, { action: 'ack', outcome, organizationId, ...lagOf(outcome, item, now) });
      const { emailId } = item.route;
      report.recorded.set(item.delivery.id, { organizationId, emailId, contentId: item.contentId, event: item.event });
    } else toPark.push({ item, reason: outcome as ParkReason });
  });
  await parkAll(ports, toPark, now, report, organizationId);
}

/**
 * Parks events without a route, in batches, and applies those whose route the same batch found
 * after parking (the `sendEmail` race): the sweep would apply them too, later.
 */
async function parkUnrouted(
  ports: EventSinkPorts,
  unrouted: readonly Readable[],
  now: number,
  report: ConsumeReport,
): Promise<void> {
  const { parked, routes } = await parkAll(
    ports,
    unrouted.map((item) => ({ item, reason: 'no-route' as const })),
    now,
    report,
  );
  for (const item of parked) {
    const route = routes.get(item.event.mail.messageId);
    if (!route) continue;
    try {
      const outcome = await applyParkedEvent({ ...ports, now: () => new Date(now) }, route, {
        ...parkedOf(item, now),
        reason: 'no-route',
      });
      verdict(report, item.delivery, {
        action: 'ack',
        outcome: outcome === 'waiting' ? 'parked' : outcome,
        organizationId: route.organizationId,
        ...lagOf(outcome, item, now),
      });
    } catch {
      // still parked, acked: the sweep applies it
    }
  }
}

/**
 * Parks events, each with its reason, in one D1 round trip per 100 (`parkEvents`); a failure to
 * park retries their deliveries. Returns the events now parked (not dead-lettered) and the
 * routes the batch read after parking.
 */
async function parkAll(
  ports: EventSinkPorts,
  items: ReadonlyArray<{ item: Readable; reason: ParkReason }>,
  now: number,
  report: ConsumeReport,
  organizationId?: string,
): Promise<{ parked: Readable[]; routes: Map<string, MessageRoute> }> {
  if (items.length === 0) return { parked: [], routes: new Map() };
  let result: Awaited<ReturnType<EventSinkPorts['adminStore']['parkEvents']>>;
  try {
    result = await ports.adminStore.parkEvents(
      items.map(({ item, reason }) => ({ ...parkedOf(item, now), reason })),
      maxParked(ports),
    );
  } catch (error) {
    for (const { item } of items) retry(report, item.delivery, `parking failed: ${describe(error)}`);
    return { parked: [], routes: new Map() };
  }
  const parked: Readable[] = [];
  items.forEach(({ item, reason }, i) => {
    const outcome: SinkOutcome = result.outcomes[i] === 'dead-lettered' ? 'dead-lettered' : parkedOutcome(reason);
    verdict(report, item.delivery, { action: 'ack', outcome, ...(organizationId ? { organizationId } : {}) });
    if (outcome === 'parked') parked.push(item);
  });
  return { parked, routes: result.routes };
}

function originOf(item: Readable): EventOrigin & { contentId: string } {
  return { snsMessageId: item.queued.snsMessageId, contentId: item.contentId, ...queueMessageProvenance(item.queued) };
}

function parkedOf(item: Readable, now: number) {
  return {
    snsMessageId: item.queued.snsMessageId,
    sesMessageId: item.event.mail.messageId,
    message: JSON.stringify(item.event),
    parkedAt: now,
    ...queueMessageProvenance(item.queued),
  };
}

function retry(report: ConsumeReport, delivery: QueuedDelivery, reason: string): void {
  verdict(report, delivery, { action: 'retry', delaySeconds: retryDelaySeconds(delivery.attempts), reason });
}

function verdict(report: ConsumeReport, delivery: QueuedDelivery, v: DeliveryVerdict): void {
  report.verdicts.set(delivery.id, v);
}

/** The lag of an event just applied (SNS Timestamp to now); none for any other outcome. */
function lagOf(outcome: string, item: Readable, now: number): { lagMs?: number } {
  return outcome === 'applied' ? { lagMs: Math.max(0, now - item.queued.snsTimestamp) } : {};
}

/** Counts the verdicts: outcomes and lags for the deployment and the organisation routed to. */
function finish(report: ConsumeReport): ConsumeReport {
  for (const v of report.verdicts.values()) {
    if (v.action === 'retry') addCount(report.counts, 'consumer:retried');
    else if (v.action === 'defer') addCount(report.counts, 'consumer:deferred');
    else if (v.outcome === 'unreadable') addCount(report.counts, 'consumer:unreadable');
    else countOutcome(report, v.outcome, v.organizationId, v.lagMs);
  }
  return report;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
