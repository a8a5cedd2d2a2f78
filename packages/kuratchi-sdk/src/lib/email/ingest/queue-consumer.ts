import type { Message, MessageBatch } from '@cloudflare/workers-types';
import { consumeSesEventBatch, type ConsumeReport } from './consume-batch.js';
import type { DeadLetterStore } from '../routing/ports.js';
import { queueMessageProvenance, readSesEventQueueMessage } from './queue-message.js';
import type { EventSinkPorts } from '../routing/record.js';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { SesEventParseError } from '../ses-events/errors.js';

/**
 * The `queue` handler's work for a batch of the SES events queue: applies it
 * (`consumeSesEventBatch`), then acks or retries each message by its verdict, and adds the
 * batch's counters and lags (the deployment's and each organisation's) to the admin database in
 * one batch. A failure to write those figures
 * is logged, not retried: the events are recorded, and retrying would only count them again as
 * duplicates. One JSON log line per batch.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#messagebatch
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#explicit-acknowledgement-and-retries
 */
export async function consumeSesEventQueue(
  batch: MessageBatch<unknown>,
  ports: EventSinkPorts,
): Promise<ConsumeReport> {
  const started = Date.now();
  const report = await consumeSesEventBatch(ports, batch.messages);
  for (const message of batch.messages) {
    const verdict = report.verdicts.get(message.id);
    if (verdict?.action === 'retry') message.retry({ delaySeconds: verdict.delaySeconds });
    else message.ack();
  }
  const at = (ports.now ?? (() => new Date()))().getTime();
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
    ...(retried.length ? { retryReasons: [...new Set(retried.map((v) => v.reason))].slice(0, 5) } : {}),
    ms: Date.now() - started,
  };
  (retried.length || report.counts.has('consumer:unreadable') ? console.error : console.log)(JSON.stringify(line));
  return report;
}

/**
 * The `queue` handler's work for a batch of the SES events dead-letter queue (messages the
 * consumer failed on `max_retries` times): each lands in the admin database's dead-letter table
 * with reason `queue-retries-exhausted`, counted on the health panel and replayable with
 * `kuratchi-ses dead-letters replay`. One atomic batch; if it fails, every message is retried
 * (the dead-letter queue's own retries), so none is lost. A body this version cannot read is
 * acked with an error log line.
 * @see https://developers.cloudflare.com/queues/configuration/dead-letter-queues/
 */
export async function deadLetterSesEventQueue(
  batch: MessageBatch<unknown>,
  deadLetters: DeadLetterStore,
  now: Date,
): Promise<number> {
  const letters = [];
  const unreadable: Message<unknown>[] = [];
  for (const message of batch.messages) {
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
  if (unreadable.length) {
    console.error(
      JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'unreadable', ids: unreadable.map((m) => m.id) }),
    );
  }
  console.log(JSON.stringify({ msg: 'ses-dead-letter-queue', outcome: 'dead-lettered', messages: letters.length }));
  return letters.length;
}
