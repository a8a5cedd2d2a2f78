import type { CanaryRun, CanaryRunReport, CanaryRunStatus } from './types.js';

/**
 * The status a run has as of `now`, from its expected events alone (pure): a decided run keeps its
 * decision; a waiting one `passed` once every expected event arrived by the deadline, `late` once
 * one arrived after it or the deadline passed without all of them, else still `waiting`.
 */
export function decideCanaryRun(run: CanaryRun, now: number): CanaryRunStatus {
  if (run.status !== 'waiting') return run.status;
  const arrivals = run.events.map((e) => e.arrivedAt);
  if (arrivals.some((at) => at !== null && at > run.deadlineAt)) return 'late';
  if (arrivals.every((at) => at !== null)) return 'passed';
  return now > run.deadlineAt ? 'late' : 'waiting';
}

/** A run with its figures: how many expected events came back, the slowest lag, what is missing. */
export function canaryRunReport(run: CanaryRun): CanaryRunReport {
  const arrived = run.events.filter((e) => e.arrivedAt !== null);
  return {
    ...run,
    arrived: arrived.length,
    expected: run.events.length,
    maxLagMs:
      arrived.length === run.events.length && run.events.length
        ? Math.max(...run.events.map((e) => e.lagMs ?? 0))
        : null,
    missing: run.events.filter((e) => e.arrivedAt === null).map((e) => `${e.scenario}/${e.eventType}`),
  };
}
