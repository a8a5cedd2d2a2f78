import { consumeSesEventBatch } from './consume-batch.js';
import type { SesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts, SinkOutcome } from '../routing/record.js';
import { addTally, createIngestionTally, type IngestionTally } from '../routing/ingestion-figures.js';

/**
 * What became of one message given to {@link applySesEventMessages}: a sink outcome,
 * `unreadable` (not an SES event this version reads), or `retry` (a database error or limit a
 * later attempt can fix: answer 5xx, or send it again).
 */
export type ApplyOutcome = SinkOutcome | 'unreadable' | 'retry';

/** Most messages applied per consumer pass (the size of a queue batch). */
const MESSAGES_PER_PASS = 100;

/**
 * Applies SES event messages inline, with exactly the rules of the queue consumer
 * (`consumeSesEventBatch`: one admin query for the routes, one D1 batch per organisation,
 * idempotent by SNS MessageId and content identity, parking what has no route yet), in passes of
 * at most 100; what a pass deferred for its query budget goes first into the next pass (each
 * pass records at least one event, so every message gets an outcome). For the paths that carry
 * many events at once and must say what became of each:
 * the Firehose endpoint in direct mode, `kuratchi-ses import`, `redrive`, `rebuild`.
 * @returns one outcome per message, in order, and the figures the passes added, the deployment's
 *   and each organisation's (counters `outcome:<outcome>`, `consumer:retried`,
 *   `consumer:unreadable`, and lags: write them with `AdminStore.recordIngestionStats` if they
 *   should show on the health panel).
 * @see https://developers.cloudflare.com/d1/platform/limits/ (queries per invocation)
 */
export async function applySesEventMessages(
  ports: EventSinkPorts,
  messages: readonly SesEventQueueMessage[],
): Promise<IngestionTally & { outcomes: ApplyOutcome[] }> {
  const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(messages.length);
  const tally = createIngestionTally();
  let deferred: number[] = [];
  let next = 0;
  while (deferred.length || next < messages.length) {
    const indexes = [...deferred];
    while (indexes.length < MESSAGES_PER_PASS && next < messages.length) indexes.push(next++);
    const deliveries = indexes.map((i) => ({ id: String(i), body: messages[i], attempts: 1 }));
    const report = await consumeSesEventBatch(ports, deliveries);
    deferred = [];
    for (const [k, delivery] of deliveries.entries()) {
      const verdict = report.verdicts.get(delivery.id);
      if (verdict?.action === 'defer') deferred.push(indexes[k]!);
      else outcomes[indexes[k]!] = !verdict || verdict.action === 'retry' ? 'retry' : verdict.outcome;
    }
    report.counts.delete('consumer:deferred');
    addTally(tally, report);
  }
  return { outcomes, ...tally };
}
