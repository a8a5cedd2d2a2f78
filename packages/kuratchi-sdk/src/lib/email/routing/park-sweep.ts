import { parkLimits, type ParkLimits } from './park-policy.js';
import { applyParkedEvent, type EventSinkPorts } from './record.js';

/**
 * Options of {@link sweepParkedEvents}.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface SweepOptions extends Partial<ParkLimits> {
  /** The time of this run (a scheduled handler passes `controller.scheduledTime`). */
  now: Date;
  /** Most parked events applied per run (each costs up to 4 D1 queries); default 50. */
  maxApplied?: number;
  /** Most parked events dead-lettered per run (one D1 batch of 2 statements); default 500. */
  maxExpired?: number;
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
  /** Parked events older than the time to live, moved to the dead-letter table with their reason. */
  deadLettered: number;
}

/**
 * The park's scheduled sweep. First, applies waiting events that can be applied by now: those
 * whose route exists (`sendEmail` drains the park itself right after writing the lookup
 * row; this catches a drain that failed or never ran) and those parked while their organisation
 * was moved, once the move has ended; then moves every event parked since before `now - ttlMs`,
 * waiting or orphaned, to the dead-letter table with its reason, where it is counted and can be
 * replayed. Bounded work per run (at most `maxApplied × 4 + 3` D1 queries), so it fits in one
 * invocation; what is left waits for the next run. Safe to run concurrently or again after a
 * failure.
 * @throws database errors (the run failed; the next run picks up where it stopped).
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function sweepParkedEvents(ports: EventSinkPorts, options: SweepOptions): Promise<SweepReport> {
  const { ttlMs } = parkLimits(options);
  const now = options.now;
  const { taken: _, ...applied } = await applyRoutable(ports, { now, limit: options.maxApplied ?? 50 });
  const deadLettered = await ports.adminStore.expireParkedEvents(
    now.getTime() - ttlMs,
    options.maxExpired ?? 500,
    now.getTime(),
  );
  return { ...applied, deadLettered };
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
export interface DrainReport extends Omit<SweepReport, 'deadLettered'> {
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
): Promise<Omit<SweepReport, 'deadLettered'> & { taken: number }> {
  const at: EventSinkPorts = { ...ports, now: () => page.now };
  const report = { applied: 0, duplicates: 0, orphaned: 0, taken: 0 };
  for (const parked of await ports.adminStore.listRoutableParkedEvents(page.limit, page.organizationId)) {
    report.taken++;
    const outcome = await applyParkedEvent(at, parked.route, parked);
    if (outcome === 'applied') report.applied++;
    else if (outcome === 'duplicate') report.duplicates++;
    else if (outcome === 'orphaned') report.orphaned++;
    // `waiting`: its organisation started moving again meanwhile; parked as `org-moving`.
  }
  return report;
}
