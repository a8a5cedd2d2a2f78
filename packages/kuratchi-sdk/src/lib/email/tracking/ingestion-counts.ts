import type { AdminStore } from '../routing/ports.js';

/** What lets work outlive the response: a Worker's `ExecutionContext` (`ctx.waitUntil`). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Adds counters and lags to the admin database's ingestion figures (the health panel) after the
 * response (`waitUntil`, or awaited when there is no context); a failure is logged under `msg`,
 * never answered: the events are recorded already.
 * @see https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
export function countAfterResponse(
  adminStore: AdminStore,
  context: WaitUntil | undefined,
  msg: string,
  counts: ReadonlyMap<string, number>,
  lagsMs: readonly number[] = [],
): Promise<void> | undefined {
  if (counts.size === 0 && lagsMs.length === 0) return undefined;
  const counting = adminStore
    .recordIngestionStats({ counts: new Map(counts), lagsMs, at: Date.now() })
    .catch((e: unknown) => console.error(JSON.stringify({ msg, outcome: 'counting-failed', error: String(e) })));
  if (context) context.waitUntil(counting);
  return counting;
}

/** Adds `n` to the counter `name` of `counts`. */
export function addCount(counts: Map<string, number>, name: string, n = 1): void {
  if (n) counts.set(name, (counts.get(name) ?? 0) + n);
}
