import type { AdminStore, CountReceipt, IngestionFigures, IngestionStats } from './ports.js';
import { lagBucket } from '../shared/lag-histogram.js';

/**
 * Ingestion figures being gathered for one write (`AdminStore.recordIngestionStats`): the
 * deployment's, and each organisation's share. The rule of attribution is written here once: an
 * event's outcome (`outcome:<outcome>`) and lag count for its organisation too when its route
 * named one; every other counter (`received`, `verified`, `rejected:<code>`, `consumer:retried`,
 * `firehose:refused`…) is counted before any organisation is known, so for the deployment only.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export interface IngestionTally extends Omit<IngestionStats, 'at'> {
  counts: Map<string, number>;
  lagsMs: number[];
  organizations: Map<string, { counts: Map<string, number>; lagsMs: number[] }>;
}

/**
 * An empty {@link IngestionTally}.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createIngestionTally(): IngestionTally {
  return { counts: new Map(), lagsMs: [], organizations: new Map() };
}

/** Adds `n` to the counter `name` of `counts` (a deployment-wide counter when `counts` is a tally's). */
export function addCount(counts: Map<string, number>, name: string, n = 1): void {
  if (n) counts.set(name, (counts.get(name) ?? 0) + n);
}

/**
 * Counts one event's outcome (`outcome:<outcome>`) and, when applied, its lag (SNS Timestamp to
 * applied, ms), for the deployment and for `organizationId` when its route named one.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html (Timestamp)
 */
export function countOutcome(
  tally: IngestionTally,
  outcome: string,
  organizationId: string | undefined,
  lagMs?: number,
): void {
  const scopes: Array<{ counts: Map<string, number>; lagsMs: number[] }> = [tally];
  if (organizationId) scopes.push(organizationFigures(tally, organizationId));
  for (const scope of scopes) {
    addCount(scope.counts, `outcome:${outcome}`);
    if (lagMs !== undefined) scope.lagsMs.push(lagMs);
  }
}

/**
 * Writes the `expired` outcomes of a path that records outside a webhook answer or a queue batch
 * (the park's sweep and drains, a dead letter's replay): `outcome:expired` for the deployment and
 * for each event's organisation (one entry per event in `organizationIds`), as the live path
 * counts them, in one D1 batch at `at`; none: no round trip. A failure is logged under `msg`,
 * never thrown: the events have left the park already, and nothing is recorded to undo.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function countExpired(
  store: Pick<AdminStore, 'recordIngestionStats'>,
  organizationIds: readonly string[],
  at: number,
  msg: string,
): Promise<void> {
  if (!organizationIds.length) return;
  const tally = createIngestionTally();
  for (const organizationId of organizationIds) countOutcome(tally, 'expired', organizationId);
  try {
    await store.recordIngestionStats({ ...tally, at });
  } catch (error) {
    console.error(JSON.stringify({ msg, outcome: 'counting-failed', error: String(error) }));
  }
}

/**
 * Adds the figures of `from` (another tally, or any {@link IngestionStats}) to `into`; its lags
 * too unless `lags` is false (the inline paths of old events, import and Firehose, count none).
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function addTally(into: IngestionTally, from: Omit<IngestionStats, 'at'>, lags = true): void {
  addFigures(into, from, lags);
  for (const [organizationId, figures] of from.organizations ?? []) {
    addFigures(organizationFigures(into, organizationId), figures, lags);
  }
}

function addFigures(
  into: { counts: Map<string, number>; lagsMs: number[] },
  from: IngestionFigures,
  lags: boolean,
): void {
  for (const [name, n] of from.counts) addCount(into.counts, name, n);
  if (lags) into.lagsMs.push(...from.lagsMs);
}

function organizationFigures(tally: IngestionTally, organizationId: string) {
  let figures = tally.organizations.get(organizationId);
  if (!figures) {
    figures = { counts: new Map(), lagsMs: [] };
    tally.organizations.set(organizationId, figures);
  }
  return figures;
}

/** One scope's correction: counters and lag buckets to add, and to take back (positive amounts). */
export interface FiguresCorrection {
  add: Map<string, number>;
  takeBack: Map<string, number>;
  addLags: number[];
  takeBackLagBuckets: Map<number, number>;
}

/**
 * What turns the figures counted ahead (`receipt`) into `actual` (the answer's figures, lags
 * compared by histogram bucket), for the deployment and for the receipt's organisation; empty
 * scopes are left out (an empty map: nothing to write). Another organisation of `actual` is
 * added whole.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function figuresCorrection(
  receipt: CountReceipt,
  actual: Omit<IngestionStats, 'at'>,
): Map<string | null, FiguresCorrection> {
  const none: IngestionFigures = { counts: new Map(), lagsMs: [] };
  const scopes = new Map<string | null, FiguresCorrection>();
  const put = (scope: string | null, ahead: IngestionFigures, now: IngestionFigures) => {
    const c = scopeCorrection(ahead, now);
    if (c.add.size || c.takeBack.size || c.addLags.length || c.takeBackLagBuckets.size) scopes.set(scope, c);
  };
  put(null, receipt, actual);
  put(receipt.organizationId, receipt.organization, actual.organizations?.get(receipt.organizationId) ?? none);
  for (const [organizationId, figures] of actual.organizations ?? []) {
    if (organizationId !== receipt.organizationId) put(organizationId, none, figures);
  }
  return scopes;
}

function scopeCorrection(ahead: IngestionFigures, now: IngestionFigures): FiguresCorrection {
  const c: FiguresCorrection = { add: new Map(), takeBack: new Map(), addLags: [], takeBackLagBuckets: new Map() };
  for (const name of new Set([...ahead.counts.keys(), ...now.counts.keys()])) {
    const d = (now.counts.get(name) ?? 0) - (ahead.counts.get(name) ?? 0);
    if (d > 0) c.add.set(name, d);
    if (d < 0) c.takeBack.set(name, -d);
  }
  const left = new Map<number, number>();
  for (const lag of ahead.lagsMs) left.set(lagBucket(lag), (left.get(lagBucket(lag)) ?? 0) + 1);
  for (const lag of now.lagsMs) {
    const n = left.get(lagBucket(lag)) ?? 0;
    if (n > 0) left.set(lagBucket(lag), n - 1);
    else c.addLags.push(lag);
  }
  for (const [bucket, n] of left) if (n > 0) c.takeBackLagBuckets.set(bucket, n);
  return c;
}
