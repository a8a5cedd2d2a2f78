import type { D1Database, MessageSendRequest, Queue } from '@cloudflare/workers-types';
import { WebhookEndpointError } from './errors.js';
import type { WebhookQueueMessage } from './queue-message.js';

/** Which deliveries to replay: one (`webhookId`) or those created in `[from, to)`. */
export interface WebhookReplay {
  readonly organizationId: string;
  readonly endpointId: string;
  readonly webhookId?: string;
  readonly from?: number;
  readonly to?: number;
}

/**
 * Replays deliveries of an enabled endpoint: each becomes `pending` and gets one attempt now
 * through the queue (a failure continues its retry schedule where it stood), with the same
 * `webhook-id`, so a receiver that already has it ignores it. At most the deliveries kept.
 * @returns how many were enqueued.
 * @throws {WebhookEndpointError} `not-found` (no such endpoint in this organisation, or disabled:
 *   enable it first).
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#queue
 */
export async function replayWebhookDeliveries(
  db: D1Database,
  queue: Queue<unknown>,
  replay: WebhookReplay,
): Promise<number> {
  const endpoint = await db
    .prepare('SELECT disabled_reason FROM webhook_endpoints WHERE id = ? AND organization_id = ?')
    .bind(replay.endpointId, replay.organizationId)
    .first<{ disabled_reason: string | null }>();
  if (!endpoint) throw new WebhookEndpointError('not-found', 'no such webhook endpoint in this organisation');
  if (endpoint.disabled_reason) {
    throw new WebhookEndpointError('not-found', 'this endpoint is disabled: enable it before replaying');
  }
  const { results } = await db
    .prepare(
      `UPDATE webhook_deliveries SET status = 'pending'
       WHERE endpoint_id = ? AND (?2 IS NULL OR webhook_id = ?2) AND created_at >= ? AND created_at < ?
       RETURNING webhook_id, attempts`,
    )
    .bind(replay.endpointId, replay.webhookId ?? null, replay.from ?? 0, replay.to ?? Number.MAX_SAFE_INTEGER)
    .all<{ webhook_id: string; attempts: number }>();
  const sends: MessageSendRequest<WebhookQueueMessage>[] = results.map((r) => ({
    body: { v: 1, kind: 'attempt', endpointId: replay.endpointId, webhookId: r.webhook_id, attempts: r.attempts },
    contentType: 'json',
  }));
  for (let from = 0; from < sends.length; from += 100) await queue.sendBatch(sends.slice(from, from + 100));
  return sends.length;
}
