import type { D1Database, MessageBatch, MessageSendRequest, Queue } from '@cloudflare/workers-types';
import { parseSesEvent } from '../ses-events/ses-event.js';
import { enabledWebhookEndpoints, type WebhookEndpointWithSecrets } from './d1-webhook-endpoints.js';
import {
  pendingWebhookDeliveries,
  recordWebhookAttempts,
  startWebhookDeliveries,
  type NewWebhookDelivery,
  type WebhookAttemptResult,
} from './d1-webhook-deliveries.js';
import { attemptWebhook } from './deliver.js';
import { webhookBody } from './payload.js';
import { readWebhookQueueMessage, type WebhookQueueMessage } from './queue-message.js';
import { nextWebhookDelaySeconds, WEBHOOK_DISABLE_AFTER_MS } from './retry-schedule.js';

/** What the outbound webhooks consumer needs. */
export interface WebhookConsumerPorts {
  /** The admin database (endpoints, deliveries). */
  readonly db: D1Database;
  /** The outbound webhooks queue's producer: retries go back to it with their delay. */
  readonly queue: Queue<unknown>;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * The clock, as the façade's (`createEmailTracking`'s `now`): the attempts' `webhook-timestamp`,
   * the deliveries' times and the endpoints' health; default the current time.
   */
  readonly now?: () => Date;
  /** Per attempt; default 15 s. */
  readonly timeoutMs?: number;
}

/** What one batch did, for its log line and the tests. */
export interface WebhookBatchReport {
  readonly attempted: number;
  readonly delivered: number;
  readonly retriesScheduled: number;
  /** Endpoints this batch disabled for failing for days. */
  readonly disabled: readonly string[];
  readonly unreadable: number;
}

/**
 * The outbound webhooks queue's consumer, per batch: reads the enabled endpoints of the batch's
 * organisations once, starts one delivery per event per endpoint that wants its type (an event
 * told twice is not delivered twice), reads the bodies of due retries once, attempts everything
 * at once, sends each failed delivery that has attempts left back to the queue with the
 * schedule's delay, and records attempts and endpoint health in one batch. A database or queue
 * error throws: Queues delivers the batch again, and what was already attempted is not started
 * again (the rows say so). Never waits longer than one attempt's timeout per batch.
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#consumer
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#delay-messages
 */
export async function consumeWebhookBatch(
  batch: MessageBatch<unknown>,
  ports: WebhookConsumerPorts,
): Promise<WebhookBatchReport> {
  const clock = ports.now ?? (() => new Date());
  const now = clock().getTime();
  const messages = batch.messages.map((m) => readWebhookQueueMessage(m.body));
  const events = messages.filter((m): m is Extract<WebhookQueueMessage, { kind: 'event' }> => m?.kind === 'event');
  const retries = messages.filter((m): m is Extract<WebhookQueueMessage, { kind: 'attempt' }> => m?.kind === 'attempt');

  const endpoints = await enabledWebhookEndpoints(ports.db, [...new Set(events.map((e) => e.organizationId))], now);
  const wanted: NewWebhookDelivery[] = [];
  for (const message of events) {
    const { type, body } = webhookBody({ ...message, event: parseSesEvent(message.event) });
    for (const endpoint of endpoints) {
      if (endpoint.organizationId !== message.organizationId || !endpoint.eventTypes.includes(type)) continue;
      wanted.push({ endpointId: endpoint.id, webhookId: message.contentId, eventType: type, body });
    }
  }
  const started = await startWebhookDeliveries(ports.db, wanted, now);
  const due = (await pendingWebhookDeliveries(ports.db, retries)).filter((d) =>
    retries.some((r) => r.endpointId === d.endpointId && r.webhookId === d.webhookId && r.attempts === d.attempts),
  );
  const retryEndpoints = await endpointsById(ports.db, due, now);
  const byId = new Map([...endpoints, ...retryEndpoints].map((e) => [e.id, e]));

  const work = [...started.map((d) => ({ ...d, attempts: 0 })), ...due].filter((d) => byId.has(d.endpointId));
  const results: Array<WebhookAttemptResult & { retry: number | null; attempts: number }> = await Promise.all(
    work.map(async (d) => {
      const endpoint = byId.get(d.endpointId)!;
      const attempt = await attemptWebhook(
        { url: endpoint.url, secrets: endpoint.secrets, webhookId: d.webhookId, body: d.body },
        {
          now: clock,
          ...(ports.fetch ? { fetch: ports.fetch } : {}),
          ...(ports.timeoutMs ? { timeoutMs: ports.timeoutMs } : {}),
        },
      );
      const retry = attempt.outcome === 'failed' ? nextWebhookDelaySeconds(d.attempts + 1) : null;
      const status: WebhookAttemptResult['status'] =
        attempt.outcome === 'delivered'
          ? 'delivered'
          : attempt.outcome === 'gone'
            ? 'stopped'
            : retry === null
              ? 'failed'
              : 'pending';
      return { endpointId: d.endpointId, webhookId: d.webhookId, attempt, status, retry, attempts: d.attempts + 1 };
    }),
  );
  const sends: MessageSendRequest<WebhookQueueMessage>[] = results.flatMap((r) =>
    r.status === 'pending' && r.retry !== null
      ? [
          {
            body: { v: 1, kind: 'attempt', endpointId: r.endpointId, webhookId: r.webhookId, attempts: r.attempts },
            contentType: 'json',
            delaySeconds: r.retry,
          },
        ]
      : [],
  );
  const disabled = await recordWebhookAttempts(ports.db, results, now, now - WEBHOOK_DISABLE_AFTER_MS);
  for (let from = 0; from < sends.length; from += 100) await ports.queue.sendBatch(sends.slice(from, from + 100));
  for (const message of batch.messages) message.ack();
  const report = {
    attempted: results.length,
    delivered: results.filter((r) => r.status === 'delivered').length,
    retriesScheduled: sends.length,
    disabled,
    unreadable: messages.filter((m) => m === null).length,
  };
  console.log(JSON.stringify({ msg: 'webhook-queue', messages: batch.messages.length, ...report }));
  return report;
}

/** The enabled endpoints of due retries (one query, through their organisations). */
async function endpointsById(
  db: D1Database,
  due: ReadonlyArray<{ endpointId: string }>,
  now: number,
): Promise<WebhookEndpointWithSecrets[]> {
  if (!due.length) return [];
  const ids = [...new Set(due.map((d) => d.endpointId))];
  const { results } = await db
    .prepare(
      'SELECT DISTINCT organization_id AS id FROM webhook_endpoints WHERE id IN (SELECT value FROM json_each(?))',
    )
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  const endpoints = await enabledWebhookEndpoints(
    db,
    results.map((r) => r.id),
    now,
  );
  return endpoints.filter((e) => ids.includes(e.id));
}
