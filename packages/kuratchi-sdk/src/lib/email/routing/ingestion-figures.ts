import type { IngestionFigures, IngestionStats } from './ports.js';

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
