import { addCount, countOutcome, createIngestionTally, type IngestionTally } from '../routing/ingestion-figures.js';
import type { AdminStore, RoutedFigures } from '../routing/ports.js';
import { WEBHOOK_CONTRACT, type IngestResult } from './webhook-contract.js';

/**
 * The ingestion counters one answer adds to: `received` always; `verified` once the signature
 * checked out; `notification` for a verified Notification (its time is that of the last SES
 * event received); `outcome:<outcome>`; and `rejected:<code>` for every answer the contract
 * counts as rejected (the 4xx ones).
 * @see https://developers.cloudflare.com/d1/worker-api/ (the counters are one D1 upsert)
 */
export function ingestionCounterNames(result: Pick<IngestResult, 'answer' | 'body' | 'log'>): string[] {
  const names = ['received', `outcome:${result.body.outcome}`];
  if (result.log.type) names.push('verified');
  if (result.log.type === 'Notification') names.push('notification');
  if (WEBHOOK_CONTRACT[result.answer].rejected) names.push(`rejected:${result.body.code ?? result.body.outcome}`);
  return names;
}

/**
 * The figures one webhook answer adds (`AdminStore.recordIngestionStats`): its counters
 * ({@link ingestionCounterNames}) and lag for the deployment, and its outcome and lag for the
 * organisation its route named too (direct mode: in queued mode the webhook knows no route, and
 * the consumer counts the event for its organisation). A rejection, a subscription message or
 * an event waiting for its route belongs to no organisation.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function webhookAnswerFigures(result: Pick<IngestResult, 'answer' | 'body' | 'log'>): IngestionTally {
  const tally = createIngestionTally();
  const outcome = `outcome:${result.body.outcome}`;
  for (const name of ingestionCounterNames(result)) if (name !== outcome) addCount(tally.counts, name);
  countOutcome(tally, result.body.outcome, result.log.organizationId, result.log.lagMs);
  return tally;
}

/**
 * The counters of a `queued` answer, which the queue consumer adds for the webhook when it acks
 * the message (`SesEventQueueMessage.answer`).
 */
export function queuedAnswerCounterNames(): string[] {
  return ingestionCounterNames({
    answer: 'queued',
    body: { outcome: 'queued' },
    log: { outcome: 'queued', type: 'Notification' },
  });
}

/** Stands for the organisation the route will name, which only the route lookup knows. */
const ROUTE_ORGANIZATION = '\u0000route';

/**
 * The figures of an `applied` answer to a verified Notification applied `lagMs` after its SNS
 * Timestamp, counted ahead at `at` in the route lookup (`countAnswersAhead`): the deployment's,
 * and the share of the organisation the route names.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function appliedFiguresAhead(lagMs: number, at: number): RoutedFigures {
  const tally = webhookAnswerFigures({
    answer: 'applied',
    body: { outcome: 'applied' },
    log: { outcome: 'applied', type: 'Notification', organizationId: ROUTE_ORGANIZATION, lagMs },
  });
  return { counts: tally.counts, lagsMs: tally.lagsMs, organization: tally.organizations.get(ROUTE_ORGANIZATION)!, at };
}

/**
 * Writes the figures of one webhook answer (one D1 batch): its {@link webhookAnswerFigures}, or,
 * when they were counted ahead (`result.counted`), only the correction (no round trip when the
 * answer is the one expected).
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function countWebhookAnswer(
  adminStore: AdminStore,
  result: Pick<IngestResult, 'answer' | 'body' | 'log' | 'counted'>,
  at: number,
): Promise<void> {
  const figures = webhookAnswerFigures(result);
  return result.counted
    ? adminStore.correctIngestionStats(result.counted, { ...figures, at: result.counted.at })
    : adminStore.recordIngestionStats({ ...figures, at });
}
