import type { D1Database } from '@cloudflare/workers-types';
import type { WebhookAttempt } from './deliver.js';

/**
 * The deliveries of outbound webhooks in the admin database (`webhook_deliveries`, migration
 * admin 0023): one row per event per endpoint, its body and its last attempt. Each endpoint keeps
 * its last {@link WEBHOOK_DELIVERIES_KEPT} rows (pruned by the queue consumer after each batch).
 */

/** How many deliveries each endpoint keeps (the newest by creation). */
export const WEBHOOK_DELIVERIES_KEPT = 100;

/** Where a delivery stands. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'stopped';

/** A delivery as the dashboard and the CLI list it. */
export interface WebhookDelivery {
  readonly endpointId: string;
  readonly webhookId: string;
  readonly eventType: string;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  /** The last attempt's HTTP status; null: none yet, or no answer. */
  readonly answerStatus: number | null;
  readonly latencyMs: number | null;
  readonly createdAt: number;
  readonly lastAttemptAt: number | null;
}

/** A delivery to start: an event for one endpoint. */
export interface NewWebhookDelivery {
  readonly endpointId: string;
  readonly webhookId: string;
  readonly eventType: string;
  readonly body: string;
}

/**
 * Writes the rows of new deliveries (one batch) and answers those to attempt now: the new ones,
 * and those a failed earlier run wrote but never attempted; a delivery already attempted (a copy
 * of an event told twice) is not started again.
 * @see https://www.sqlite.org/lang_upsert.html (DO UPDATE … WHERE, RETURNING)
 */
export async function startWebhookDeliveries(
  db: D1Database,
  deliveries: readonly NewWebhookDelivery[],
  now: number,
): Promise<NewWebhookDelivery[]> {
  if (!deliveries.length) return [];
  const results = await db.batch<{ endpoint_id: string }>(
    deliveries.map((d) =>
      db
        .prepare(
          `INSERT INTO webhook_deliveries (endpoint_id, webhook_id, event_type, body, status, attempts, created_at)
           VALUES (?, ?, ?, ?, 'pending', 0, ?)
           ON CONFLICT (endpoint_id, webhook_id) DO UPDATE SET status = status WHERE attempts = 0
           RETURNING endpoint_id`,
        )
        .bind(d.endpointId, d.webhookId, d.eventType, d.body, now),
    ),
  );
  return deliveries.filter((_, i) => results[i]!.results.length > 0);
}

/** A pending delivery's body, read for its next attempt. */
export interface DueWebhookDelivery {
  readonly endpointId: string;
  readonly webhookId: string;
  readonly body: string;
  readonly attempts: number;
}

/** The pending deliveries among these, with their bodies (one query). */
export async function pendingWebhookDeliveries(
  db: D1Database,
  keys: ReadonlyArray<{ endpointId: string; webhookId: string }>,
): Promise<DueWebhookDelivery[]> {
  if (!keys.length) return [];
  const { results } = await db
    .prepare(
      `SELECT d.endpoint_id AS endpointId, d.webhook_id AS webhookId, d.body, d.attempts
       FROM json_each(?) AS k
       JOIN webhook_deliveries AS d
         ON d.endpoint_id = k.value ->> '$.endpointId' AND d.webhook_id = k.value ->> '$.webhookId'
       WHERE d.status = 'pending'`,
    )
    .bind(JSON.stringify(keys.map(({ endpointId, webhookId }) => ({ endpointId, webhookId }))))
    .all<DueWebhookDelivery>();
  return results;
}

/** One attempt made, and what the delivery becomes: `pending` while a retry is scheduled. */
export interface WebhookAttemptResult {
  readonly endpointId: string;
  readonly webhookId: string;
  readonly attempt: WebhookAttempt;
  readonly status: WebhookDeliveryStatus;
}

/**
 * Records a batch's attempts, and each endpoint's health: a delivered attempt clears its
 * `failing_since`; an endpoint with only failures keeps the time of its first; one that answered
 * 410 is disabled (`gone`), one failing since `disableBefore` or earlier is disabled (`failing`).
 * Then keeps the newest {@link WEBHOOK_DELIVERIES_KEPT} rows of each endpoint. One D1 batch.
 * @returns the endpoints this disabled for failing (their admins are alerted by the alerts job).
 */
export async function recordWebhookAttempts(
  db: D1Database,
  results: readonly WebhookAttemptResult[],
  now: number,
  disableBefore: number,
): Promise<string[]> {
  if (!results.length) return [];
  const endpoints = [...new Set(results.map((r) => r.endpointId))];
  const delivered = new Set(results.filter((r) => r.attempt.outcome === 'delivered').map((r) => r.endpointId));
  const gone = new Set(results.filter((r) => r.attempt.outcome === 'gone').map((r) => r.endpointId));
  const statements = results.map((r) =>
    db
      .prepare(
        `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, answer_status = ?, latency_ms = ?,
         last_attempt_at = ? WHERE endpoint_id = ? AND webhook_id = ?`,
      )
      .bind(r.status, r.attempt.status, r.attempt.latencyMs, now, r.endpointId, r.webhookId),
  );
  for (const id of endpoints) {
    if (delivered.has(id)) {
      statements.push(db.prepare('UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?').bind(id));
    } else {
      statements.push(
        db
          .prepare('UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?) WHERE id = ?')
          .bind(now, id),
      );
    }
    if (gone.has(id)) {
      statements.push(db.prepare(`UPDATE webhook_endpoints SET disabled_reason = 'gone' WHERE id = ?`).bind(id));
    }
    statements.push(
      db
        .prepare(
          `DELETE FROM webhook_deliveries WHERE endpoint_id = ?1 AND webhook_id NOT IN
           (SELECT webhook_id FROM webhook_deliveries WHERE endpoint_id = ?1 ORDER BY created_at DESC LIMIT ?2)`,
        )
        .bind(id, WEBHOOK_DELIVERIES_KEPT),
    );
  }
  const disable = db
    .prepare(
      `UPDATE webhook_endpoints SET disabled_reason = 'failing'
       WHERE disabled_reason IS NULL AND failing_since <= ? AND id IN (SELECT value FROM json_each(?)) RETURNING id`,
    )
    .bind(disableBefore, JSON.stringify(endpoints));
  const answers = await db.batch<{ id: string }>([...statements, disable]);
  return answers[answers.length - 1]!.results.map((r) => r.id);
}

/**
 * An endpoint's deliveries, newest first, optionally only those created in `[from, to)`.
 * Returns nothing for an endpoint of another organisation.
 */
export async function listWebhookDeliveries(
  db: D1Database,
  query: { organizationId: string; endpointId: string; from?: number; to?: number; limit?: number },
): Promise<WebhookDelivery[]> {
  const { results } = await db
    .prepare(
      `SELECT d.endpoint_id AS endpointId, d.webhook_id AS webhookId, d.event_type AS eventType, d.status,
              d.attempts, d.answer_status AS answerStatus, d.latency_ms AS latencyMs, d.created_at AS createdAt,
              d.last_attempt_at AS lastAttemptAt
       FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
       WHERE e.organization_id = ? AND d.endpoint_id = ? AND d.created_at >= ? AND d.created_at < ?
       ORDER BY d.created_at DESC, d.webhook_id LIMIT ?`,
    )
    .bind(
      query.organizationId,
      query.endpointId,
      query.from ?? 0,
      query.to ?? Number.MAX_SAFE_INTEGER,
      query.limit ?? WEBHOOK_DELIVERIES_KEPT,
    )
    .all<WebhookDelivery>();
  return results;
}
