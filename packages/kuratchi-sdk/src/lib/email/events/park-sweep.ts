import { parkLimits, type ParkLimits } from './park-policy.js';
import { applyHeldEvent, type EventSinkPorts } from './record.js';

/**
 * Options of {@link sweepParkedEvents}.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface SweepOptions extends Partial<ParkLimits> {
  /** The time of this run (a scheduled handler passes `controller.scheduledTime`). */
  now: Date;
  /** Most parked events applied per run (each costs up to 4 D1 queries); default 50. */
  maxApplied?: number;
  /** Most held events dead-lettered per run (one D1 batch of 2 statements); default 500. */
  maxExpired?: number;
}

/**
 * What one sweep did (the scheduled job logs it).
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
 */
export interface SweepReport {
  /** Waiting events whose lookup row exists by now: newly applied, found recorded, or orphaned. */
  applied: number;
  duplicates: number;
  orphaned: number;
  /** Held events older than the time to live, moved to the dead-letter table with their reason. */
  deadLettered: number;
}

/**
 * The park's scheduled sweep. First, applies waiting events whose lookup row exists by now
 * (`sendEmail` drains the park itself right after writing the lookup row; this catches a drain
 * that failed or never ran); then moves every event held since before `now - ttlMs`, waiting or
 * orphaned, to the dead-letter table with its reason, where it is counted and can be replayed.
 * Bounded work per run (at most `maxApplied × 4 + 3` D1 queries), so it fits in one invocation;
 * what is left waits for the next run. Safe to run concurrently or again after a failure.
 * @throws database errors (the run failed; the next run picks up where it stopped).
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function sweepParkedEvents(ports: EventSinkPorts, options: SweepOptions): Promise<SweepReport> {
  const { ttlMs } = parkLimits(options);
  const now = options.now;
  const at: EventSinkPorts = { ...ports, now: () => now };
  const report: SweepReport = { applied: 0, duplicates: 0, orphaned: 0, deadLettered: 0 };
  for (const parked of await ports.adminStore.listRoutableParkedEvents(options.maxApplied ?? 50)) {
    const outcome = await applyHeldEvent(at, parked.route, parked);
    if (outcome === 'applied') report.applied++;
    else if (outcome === 'duplicate') report.duplicates++;
    else report.orphaned++;
  }
  report.deadLettered = await ports.adminStore.expireParkedEvents(
    now.getTime() - ttlMs,
    options.maxExpired ?? 500,
    now.getTime(),
  );
  return report;
}
