import { createD1AdminStore } from 'kuratchi-sdk/email/d1';

/**
 * Adds counters to the admin database's ingestion figures (the health panel) after the response
 * (`waitUntil`), when ADMIN_DB is bound; a failure is logged under `msg`, never answered: the
 * events are recorded already.
 * @see https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil
 */
export function countIngestionAfterResponse(
  platform: App.Platform | undefined,
  msg: string,
  counts: ReadonlyMap<string, number>,
): void {
  const env = platform?.env;
  if (!env?.ADMIN_DB || counts.size === 0) return;
  const counting = createD1AdminStore(env.ADMIN_DB)
    .recordIngestionStats({ counts: new Map(counts), lagsMs: [], at: Date.now() })
    .catch((e: unknown) => console.error(JSON.stringify({ msg, outcome: 'counting-failed', error: String(e) })));
  if (platform?.context) platform.context.waitUntil(counting);
}

/** Adds `n` to the counter `name` of `counts`. */
export function addCount(counts: Map<string, number>, name: string, n = 1): void {
  if (n) counts.set(name, (counts.get(name) ?? 0) + n);
}
