import { archiveSnsMessageBatch } from '../archive/sns-archive-batch.js';
import type { ArchivedSnsMessage, SnsArchive } from '../archive/ports.js';
import type { QueuedDelivery } from './consume-batch.js';
import type { MessageRoute } from '../routing/ports.js';
import { readSesEventQueueMessage, type SesEventQueueMessage } from './queue-message.js';

/**
 * The queue consumer's first step: archives the raw signed messages the batch's queue messages
 * carry (`raw`, queued mode with the raw archive bound) as ONE batch object per archive retention
 * among them (`archiveSnsMessageBatch`: each message's organisation's archive days, by its route
 * in `routes`; none: the deployment's), and resolves with the deliveries to record, each such body now
 * naming its archive key instead of carrying the message. So every event is archived before it
 * is recorded and acknowledged: this throws what the archive throws, and the caller retries the
 * whole batch (a retried batch archives its messages again in a new object; a recorded event
 * keeps the key it was first recorded with). Without an archive (the binding removed since the
 * webhook sent them) the messages are recorded unarchived, as the webhook does without one.
 * One R2 write per batch (per retention among its messages) instead of one per message.
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 * @see https://developers.cloudflare.com/r2/api/workers/workers-api-reference/#bucket-method-definitions
 */
export async function archiveQueuedMessages(
  archive: SnsArchive | null,
  deliveries: readonly QueuedDelivery[],
  now: Date,
  routes: ReadonlyMap<string, MessageRoute> = new Map(),
): Promise<QueuedDelivery[]> {
  const carried = new Map<string, ArchivedSnsMessage>();
  const read = deliveries.map((delivery) => {
    const queued = readSesEventQueueMessage(delivery.body);
    if (queued?.raw) carried.set(queued.raw.metadata.snsMessageId, queued.raw);
    return { delivery, queued };
  });
  if (carried.size === 0) return [...deliveries];
  const daysOf = ({ metadata }: ArchivedSnsMessage) =>
    metadata.sesMessageId ? routes.get(metadata.sesMessageId)?.archiveDays : undefined;
  const keys = archive
    ? await archiveSnsMessageBatch(archive, [...carried.values()], now, daysOf)
    : new Map<string, string>();
  return read.map(({ delivery, queued }) => {
    if (!queued?.raw) return delivery;
    const { raw, ...rest } = queued;
    const archiveKey = keys.get(raw.metadata.snsMessageId);
    const body: SesEventQueueMessage = archiveKey ? { ...rest, archiveKey } : rest;
    return { id: delivery.id, attempts: delivery.attempts, body };
  });
}
