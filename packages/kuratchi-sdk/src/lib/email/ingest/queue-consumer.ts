import type { MessageBatch, Queue } from '@cloudflare/workers-types';
import { queueSendBatches } from './queue-batches.js';
import {
  consumeSesEventBatch,
  findRoutes,
  retryDelaySeconds,
  type ConsumeReport,
  type KnownRoutes,
  type QueuedDelivery,
} from './consume-batch.js';
import { archiveQueuedMessages } from './archive-queued.js';
import { queuedAnswerCounterNames } from './answer-figures.js';
import type { SnsArchive } from '../archive/ports.js';
import { addCount, createIngestionTally } from '../routing/ingestion-figures.js';
import type { AdminStore, DeadLetterStore } from '../routing/ports.js';
import { queueMessageProvenance, readSesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts } from '../routing/record.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { SesEventParseError } from '../ses-events/errors.js';

/**
 * Tells `onRecorded` of the batch's recorded events, once for the batch; when it fails, their
 * messages are retried (recording them again finds them recorded and tells them again).
 */
async function tellRecorded(ports: EventSinkPorts, report: ConsumeReport): Promise<void> {
  if (!ports.onRecorded || report.recorded.size === 0) return;
  try {
    await ports.onRecorded([...report.recorded.values()]);
  } catch (error) {
    const reason = `telling recorded events failed: ${String(error)}`;
    for (const id of report.recorded.keys()) report.verdicts.set(id, { action: 'retry', delaySeconds: 10, reason });
  }
}

/**
 * The `queue` handler's work for a batch of the SES events queue: archives the raw messages it
 * carries in one object per archive retention (`archiveQueuedMessages`, after reading their
 * routes, which the batch then reuses; when either fails, the whole batch is retried and nothing
 * recorded), applies it (`consumeSesEventBatch`), then acks or retries each message by its verdict, sends what was
 * deferred for the query budget back to the queue through its producer binding (`requeue`:
 * `sendBatch`, then ack), and adds the batch's counters and lags (the deployment's and each
 * organisation's) to the admin database in one batch. A deferred message comes back as a new
 * message, its `attempts` at 1: a deferral never counts toward `max_retries`, which counts every
 * delivery, `retry()` included. Only when the send fails (or no producer is given) is a deferred
 * message retried instead. A failure to write the figures is logged, not retried: the events are
 * recorded, and retrying would only count them again as duplicates. One JSON log line per batch.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#messagebatch
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#explicit-acknowledgement-and-retries
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#delivery-failure
 */
export async function consumeSesEventQueue(
  batch: MessageBatch<unknown>,
  ports: EventSinkPorts,
  requeue: Queue<unknown> | null = null,
  archive: SnsArchive | null = null,
): Promise<ConsumeReport> {
  const started = Date.now();
  const clock = ports.now ?? (() => new Date());
  let deliveries: QueuedDelivery[] | Error;
  let known: KnownRoutes | undefined;
  try {
    // The routes of the messages to archive first: their organisations' archive days.
    known = archive ? await findRoutes(ports, carriedSesMessageIds(batch.messages)) : undefined;
    deliveries = await archiveQueuedMessages(archive, batch.messages, clock(), known?.routes);
  } catch (error) {
    deliveries = error instanceof Error ? error : new Error(String(error));
  }
  let report: ConsumeReport;
  if (deliveries instanceof Error) {
    // Nothing is recorded unarchived: the whole batch comes back.
    report = retryAll(batch.messages, `archiving the batch failed: ${deliveries.message}`);
    deliveries = [...batch.messages];
  } else {
    report = await consumeSesEventBatch(ports, deliveries, known ? { known } : {});
    await tellRecorded(ports, report);
  }
  const deferred = deliveries.filter((delivery) => report.verdicts.get(delivery.id)?.action === 'defer');
  const requeued = await sendBack(requeue, deferred);
  for (const message of batch.messages) {
    const verdict = report.verdicts.get(message.id);
    if (verdict?.action === 'retry') message.retry({ delaySeconds: verdict.delaySeconds });
    else if (verdict?.action === 'defer' && !requeued) message.retry({ delaySeconds: 0 });
    else message.ack();
  }
  countQueuedAnswers(deliveries, report);
  const at = clock().getTime();
  try {
    const { counts, lagsMs, organizations } = report;
    await ports.adminStore.recordIngestionStats({ counts, lagsMs, organizations, at });
  } catch (error) {
    console.error(JSON.stringify({ msg: 'ses-queue', outcome: 'counting-failed', error: String(error) }));
  }
  const retried = [...report.verdicts.values()].filter((v) => v.action === 'retry');
  const line = {
    msg: 'ses-queue',
    queue: batch.queue,
    messages: batch.messages.length,
    counts: Object.fromEntries(report.counts),
    ...(deferred.length ? { deferred: deferred.length, requeued } : {}),
    ...(retried.length ? { retryReasons: [...new Set(retried.map((v) => v.reason))].slice(0, 5) } : {}),
    ms: Date.now() - started,
  };
  (retried.length || (deferred.length && !requeued) || report.counts.has('consumer:unreadable')
    ? console.error
    : console.log)(JSON.stringify(line));
  return report;
}

/** The SES message ids of the raw messages the deliveries carry (their archive metadata's). */
function carriedSesMessageIds(deliveries: readonly QueuedDelivery[]): string[] {
  return deliveries.flatMap((delivery) => readSesEventQueueMessage(delivery.body)?.raw?.metadata.sesMessageId ?? []);
}

/**
 * Adds the webhook's figures of each `queued` answer it left to the consumer (`answer`) whose
 * message is acked now: a retried or deferred message is counted when it is acked later, so each
 * answer counts once.
 */
function countQueuedAnswers(deliveries: readonly QueuedDelivery[], report: ConsumeReport): void {
  let answers = 0;
  for (const delivery of deliveries) {
    const action = report.verdicts.get(delivery.id)?.action;
    if (action !== 'retry' && action !== 'defer' && readSesEventQueueMessage(delivery.body)?.answer) answers++;
  }
  if (answers) for (const name of queuedAnswerCounterNames()) addCount(report.counts, name, answers);
}

/** The report of a batch none of which was recorded: every delivery retried for `reason`. */
function retryAll(deliveries: readonly QueuedDelivery[], reason: string): ConsumeReport {
  const report: ConsumeReport = { verdicts: new Map(), recorded: new Map(), ...createIngestionTally() };
  for (const delivery of deliveries) {
    report.verdicts.set(delivery.id, { action: 'retry', delaySeconds: retryDelaySeconds(delivery.attempts), reason });
  }
  addCount(report.counts, 'consumer:retried', deliveries.length);
  return report;
}

/**
 * Sends deferred messages back to the queue as new messages (`sendBatch`, within Queues' limits);
 * true once all are written, false when there is no producer or a send failed.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
async function sendBack(requeue: Queue<unknown> | null, deferred: readonly QueuedDelivery[]): Promise<boolean> {
  if (deferred.length === 0) return true;
  if (!requeue) return false;
  const bodies = deferred.map((message) => readSesEventQueueMessage(message.body)!);
  const { batches, inline } = queueSendBatches(bodies);
  if (inline.length) return false;
  try {
    for (const chunk of batches) await requeue.sendBatch(chunk.map((body) => ({ body, contentType: 'json' })));
    return true;
  } catch (error) {
    console.error(JSON.stringify({ msg: 'ses-queue', outcome: 'requeue-failed', error: String(error) }));
    return false;
  }
}

/**
 * The `queue` handler's work for a batch of the SES events dead-letter queue (messages the
 * consumer failed on `max_retries` times): each lands in the admin database's dead-letter table
 * with reason `queue-retries-exhausted`, counted on the health panel and replayable with
 * `kuratchi-ses dead-letters replay`. One atomic batch; if it fails, every message is retried
 * (the dead-letter queue's own retries), so none is lost. A body this version cannot read is
 * acked with an error log line. A raw message it carries (`raw`) is archived first, one object for
 * the batch; if that fails, the events are kept without it (not provable) rather than lost.
 * With `counters`, the webhook's figures of each `queued` answer it left to the consumer
 * (`answer`), which no consumer acked, are added once the batch is acked (so a message the
 * consumer never recorded is still counted received).
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 */
export async function deadLetterSesEventQueue(
  batch: MessageBatch<unknown>,
  deadLetters: DeadLetterStore,
  now: Date,
  archive: SnsArchive | null = null,
  counters: Pick<AdminStore, 'recordIngestionStats'> | null = null,
): Promise<number> {
  let deliveries: QueuedDelivery[];
  try {
    deliveries = await archiveQueuedMessages(archive, batch.messages, now);
  } catch (error) {
    // Kept unarchived rather than lost: the dead-letter queue's own retries end in nothing.
    console.error(JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'archive-failed', error: String(error) }));
    deliveries = await archiveQueuedMessages(null, batch.messages, now);
  }
  const letters = [];
  const unreadable: QueuedDelivery[] = [];
  for (const message of deliveries) {
    const queued = readSesEventQueueMessage(message.body);
    let sesMessageId: string | null = null;
    if (queued) {
      try {
        sesMessageId = parseSesEvent(queued.message).mail.messageId;
      } catch (error) {
        if (!(error instanceof SesEventParseError)) throw error;
      }
    }
    if (!queued || !sesMessageId) unreadable.push(message);
    else {
      letters.push({
        snsMessageId: queued.snsMessageId,
        sesMessageId,
        message: queued.message,
        reason: 'queue-retries-exhausted' as const,
        firstSeenAt: queued.snsTimestamp,
        deadLetteredAt: now.getTime(),
        ...queueMessageProvenance(queued),
      });
    }
  }
  try {
    await deadLetters.addDeadLetters(letters);
  } catch (error) {
    console.error(JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'write-failed', error: String(error) }));
    batch.retryAll({ delaySeconds: 60 });
    return 0;
  }
  batch.ackAll();
  await countDeadLetteredAnswers(counters, deliveries, now);
  if (unreadable.length) {
    console.error(
      JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'unreadable', ids: unreadable.map((m) => m.id) }),
    );
  }
  console.log(JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'dead-lettered', messages: letters.length }));
  return letters.length;
}

/** Adds the figures of the `queued` answers of dead-lettered messages; a failure is logged, not retried. */
async function countDeadLetteredAnswers(
  counters: Pick<AdminStore, 'recordIngestionStats'> | null,
  deliveries: readonly QueuedDelivery[],
  now: Date,
): Promise<void> {
  const answers = deliveries.filter((delivery) => readSesEventQueueMessage(delivery.body)?.answer).length;
  if (!counters || answers === 0) return;
  const counts = new Map(queuedAnswerCounterNames().map((name) => [name, answers]));
  try {
    await counters.recordIngestionStats({ counts, lagsMs: [], organizations: new Map(), at: now.getTime() });
  } catch (error) {
    console.error(JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'counting-failed', error: String(error) }));
  }
}
