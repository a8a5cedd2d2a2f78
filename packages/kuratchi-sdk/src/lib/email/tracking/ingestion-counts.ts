import type { AdminStore, IngestionStats } from '../routing/ports.js';

/** What lets work outlive the response: a Worker's `ExecutionContext` (`ctx.waitUntil`). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Adds counters and lags to the admin database's ingestion figures (the health panel: the
 * deployment's, and each organisation's share, in one D1 batch) after the response (`waitUntil`,
 * or awaited when there is no context): `figures`, or what `write` writes (the webhook's
 * `countWebhookAnswer`), in the hour of `at` (the path's own clock where it has one). A failure
 * is logged under `msg`, never answered: the events are recorded already.
 * @see https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
export function countAfterResponse(
  adminStore: AdminStore,
  context: WaitUntil | undefined,
  msg: string,
  figures: Omit<IngestionStats, 'at'> | ((at: number) => Promise<void>),
  at: number = Date.now(),
): Promise<void> | undefined {
  if (typeof figures !== 'function' && figures.counts.size === 0 && figures.lagsMs.length === 0) return undefined;
  const counting = (
    typeof figures === 'function' ? figures(at) : adminStore.recordIngestionStats({ ...figures, at })
  ).catch((e: unknown) => console.error(JSON.stringify({ msg, outcome: 'counting-failed', error: String(e) })));
  if (context) context.waitUntil(counting);
  return counting;
}
