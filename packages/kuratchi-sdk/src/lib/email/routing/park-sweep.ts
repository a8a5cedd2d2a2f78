import { parkLimits, type ParkLimits } from './park-policy.js';
import { applyParkedEvent, type EventSinkPorts } from './record.js';
import type { DeadLetterStore } from './ports.js';
import { countExpired } from './ingestion-figures.js';

/**
 * Options of {@link sweepParkedEvents}.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface SweepOptions extends Partial<ParkLimits> {
  /** The time of this run (a scheduled handler passes `controller.scheduledTime`). */
  now: Date;
  /** Most parked events applied per run (each costs up to 4 D1 queries); default 50. */
  maxApplied?: number;
  /** Events per page of expiry and of the drop (one D1 batch of 2 statements each); default 500. */
  maxExpired?: number;
  /** Most pages (D1 round trips) of expiry and drop together per run; default 40. */
  maxPages?: number;
  /**
   * The dead-letter table, to drop what is past `unroutedDeadLetterTtlMs` (no known organisation)
   * or `deadLetterTtlMs` (any); none: nothing dropped.
   */
  deadLetters?: Pick<DeadLetterStore, 'dropUnrouted' | 'dropExpired'>;
}

/**
 * What one sweep did (the scheduled job logs it).
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 */
export interface SweepReport {
  /** Waiting events whose route exists by now: newly applied, found recorded, or orphaned. */
  applied: number;
  duplicates: number;
  orphaned: number;
  /**
   * Waiting events older than their organisation's retention by now (`recordRouted`): out of
   * the park, never recorded, counted `outcome:expired` as the live path counts them.
   */
  expired: number;
  /** Parked events older than the time to live, moved to the dead-letter table with their reason. */
  deadLettered: number;
  /** Dead letters past their time, dropped and counted in the tally. */
  dropped: number;
  /** The page budget ran out before expiry or the drop was done: the next run goes on. */
  more: boolean;
}

/**
 * The park's scheduled sweep. First, applies waiting events that can be applied by now: those
 * whose route exists (`sendEmail` drains the park itself right after writing the lookup
 * row; this catches a drain that failed or never ran) and those parked while their organisation
 * was moved, once the move has ended; then moves every event parked since before `now - ttlMs`,
 * waiting or orphaned, to the dead-letter table with its reason, where it is counted and can be
 * replayed; then drops dead letters of no known organisation, still without a route, older than
 * `unroutedDeadLetterTtlMs` (mail not sent by `sendEmail`), and any dead letter older than
 * `deadLetterTtlMs` (never replayed), counting them per day and reason.
 * Expiry and the drop go page by page until done or `maxPages` D1 round trips are spent (at
 * least a quarter kept for the drop): with the defaults up to 20,000 events a run, 2.9 million a
 * day at one run every 10 minutes, in at most `maxApplied × 4 + maxPages + 1` = 241 D1 queries
 * of the 1,000 subrequests a Workers Paid invocation may make, the other scheduled jobs sharing
 * them, and milliseconds of the 30 s of CPU a cron under an hour apart may use. Safe to run
 * concurrently or again after a failure.
 * @throws database errors (the run failed; the next run picks up where it stopped).
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://developers.cloudflare.com/workers/platform/limits/ (subrequests, cron CPU time)
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function sweepParkedEvents(ports: EventSinkPorts, options: SweepOptions): Promise<SweepReport> {
  const { ttlMs, unroutedDeadLetterTtlMs, deadLetterTtlMs } = parkLimits(options);
  const now = options.now.getTime();
  const { taken: _, ...applied } = await applyRoutable(ports, { now: options.now, limit: options.maxApplied ?? 50 });
  const pageSize = options.maxExpired ?? 500;
  const maxPages = options.maxPages ?? 40;
  const deadLetters = options.deadLetters;
  const expiry = await pages(deadLetters ? maxPages - Math.floor(maxPages / 4) : maxPages, pageSize, () =>
    ports.adminStore.expireParkedEvents(now - ttlMs, pageSize, now),
  );
  const dropUnrouted = deadLetters
    ? await pages(maxPages - expiry.spent, pageSize, () =>
        deadLetters.dropUnrouted(now - unroutedDeadLetterTtlMs, pageSize, now),
      )
    : { total: 0, spent: 0, more: false };
  const dropExpired = deadLetters
    ? await pages(maxPages - expiry.spent - dropUnrouted.spent, pageSize, () =>
        deadLetters.dropExpired(now - deadLetterTtlMs, pageSize, now),
      )
    : { total: 0, spent: 0, more: false };
  const drop = {
    total: dropUnrouted.total + dropExpired.total,
    more: dropUnrouted.more || dropExpired.more,
  };
  return { ...applied, deadLettered: expiry.total, dropped: drop.total, more: expiry.more || drop.more };
}

/** Calls `page` until it moves fewer than `pageSize` rows or `budget` calls are spent. */
async function pages(
  budget: number,
  pageSize: number,
  page: () => Promise<number>,
): Promise<{ total: number; spent: number; more: boolean }> {
  let total = 0;
  for (let spent = 0; spent < budget;) {
    const moved = await page();
    spent++;
    total += moved;
    if (moved < pageSize) return { total, spent, more: false };
    if (spent === budget) return { total, spent, more: true };
  }
  return { total, spent: 0, more: budget <= 0 };
}

/**
 * Options of {@link drainParkedEvents}: one page of an organisation's parked events.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface DrainOptions {
  organizationId: string;
  /** The time of this drain (the `receivedAt` of what it applies). */
  now: Date;
  /** Most parked events applied in this call (each costs up to 4 D1 queries); default 100. */
  limit?: number;
}

/**
 * What one page of a drain did: as the sweep counts them, and whether a full page was taken
 * (`more`: call again).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface DrainReport extends Omit<SweepReport, 'deadLettered' | 'dropped' | 'more'> {
  more: boolean;
}

/**
 * Applies one page of an organisation's waiting events that can be applied by now, where it
 * lives: what the webhook and the queue consumer parked (`org-moving`) while `kuratchi-ses org
 * migrate` moved it, right after the switch or the abort (the sweep would apply them too, at
 * its pace). Idempotent like every recording; call again while `more`.
 * @throws database errors (nothing lost: drain again, or let the sweep).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function drainParkedEvents(ports: EventSinkPorts, options: DrainOptions): Promise<DrainReport> {
  const limit = options.limit ?? 100;
  const { taken, ...report } = await applyRoutable(ports, {
    now: options.now,
    limit,
    organizationId: options.organizationId,
  });
  return { ...report, more: taken === limit };
}

async function applyRoutable(
  ports: EventSinkPorts,
  page: { now: Date; limit: number; organizationId?: string },
): Promise<Omit<SweepReport, 'deadLettered' | 'dropped' | 'more'> & { taken: number }> {
  const at: EventSinkPorts = { ...ports, now: () => page.now };
  const report = { applied: 0, duplicates: 0, orphaned: 0, expired: 0, taken: 0 };
  const expired: string[] = [];
  for (const parked of await ports.adminStore.listRoutableParkedEvents(page.limit, page.organizationId)) {
    report.taken++;
    const outcome = await applyParkedEvent(at, parked.route, parked);
    if (outcome === 'applied') report.applied++;
    else if (outcome === 'duplicate') report.duplicates++;
    else if (outcome === 'orphaned') report.orphaned++;
    else if (outcome === 'expired') expired.push(parked.route.organizationId);
    // `waiting`: its organisation started moving again meanwhile; parked as `org-moving`.
  }
  report.expired = expired.length;
  await countExpired(ports.adminStore, expired, page.now.getTime(), 'park-sweep');
  return report;
}
