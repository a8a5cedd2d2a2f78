import type { D1Database } from '@cloudflare/workers-types';
import { parseWebhookEndpointUrl } from './endpoint-url.js';
import { WebhookEndpointError } from './errors.js';
import { parseWebhookEventTypes } from './event-types.js';
import { newWebhookSecret } from './signing.js';
import { forgetWebhookAudience } from './webhook-audience.js';

/**
 * An organisation's webhook endpoints in the admin database (`webhook_endpoints`, migration
 * admin 0023): register, list, rotate the secret, enable again, delete. Every change names the
 * organisation, so one organisation's admin never reaches another's endpoints.
 */

/**
 * How long the secret before a rotation keeps signing beside the new one: a day, as Svix does,
 * time for the receiver to switch its configuration.
 * @see https://docs.svix.com/receiving/verifying-payloads/how-manual (rotation)
 */
export const WEBHOOK_SECRET_GRACE_MS = 24 * 3_600_000;

/** Why an endpoint stopped receiving: failing for days, or it answered 410 Gone. */
export type WebhookDisabledReason = 'failing' | 'gone';

/** An endpoint as the dashboard lists it (without its secrets). */
export interface WebhookEndpoint {
  readonly id: string;
  readonly organizationId: string;
  readonly url: string;
  /** What it is sent (`email.delivered`…: event-types.ts). */
  readonly eventTypes: readonly string[];
  /** Null while enabled. */
  readonly disabledReason: WebhookDisabledReason | null;
  /** Until when the secret before the last rotation still signs too (epoch ms), else null. */
  readonly previousSecretExpiresAt: number | null;
  readonly createdAt: number;
}

/** An endpoint and the secrets that sign its deliveries now (the current one first). */
export interface WebhookEndpointWithSecrets extends WebhookEndpoint {
  readonly secrets: readonly string[];
}

/** What an admin registers. */
export interface NewWebhookEndpoint {
  readonly organizationId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly now: number;
  /** `KURATCHI_ENVIRONMENT=development`: http://127.0.0.1 allowed (endpoint-url.ts). */
  readonly development?: boolean;
}

interface EndpointRow {
  id: string;
  organization_id: string;
  url: string;
  event_types: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  disabled_reason: WebhookDisabledReason | null;
  created_at: number;
}

const COLUMNS =
  'id, organization_id, url, event_types, secret, previous_secret, previous_secret_expires_at, disabled_reason, created_at';

function endpointOf(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as string[],
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
  };
}

/** The row with the secrets that sign at `now`: the previous one only until its expiry. */
function withSecrets(row: EndpointRow, now: number): WebhookEndpointWithSecrets {
  const previous = row.previous_secret && (row.previous_secret_expires_at ?? 0) > now ? [row.previous_secret] : [];
  return { ...endpointOf(row), secrets: [row.secret, ...previous] };
}

/**
 * Registers an endpoint with a new signing secret, returned once here (it is shown to the admin
 * at creation and at each rotation).
 * @throws {WebhookEndpointError} `invalid-url`, `invalid-event-types`; nothing is written then.
 */
export async function createWebhookEndpoint(
  db: D1Database,
  endpoint: NewWebhookEndpoint,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = parseWebhookEndpointUrl(endpoint.url, { development: endpoint.development ?? false }).href;
  const eventTypes = parseWebhookEventTypes(endpoint.eventTypes);
  const row: EndpointRow = {
    id: `whe_${crypto.randomUUID().replaceAll('-', '')}`,
    organization_id: endpoint.organizationId,
    url,
    event_types: JSON.stringify(eventTypes),
    secret: newWebhookSecret(),
    previous_secret: null,
    previous_secret_expires_at: null,
    disabled_reason: null,
    created_at: endpoint.now,
  };
  await db
    .prepare(`INSERT INTO webhook_endpoints (${COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, ?)`)
    .bind(row.id, row.organization_id, row.url, row.event_types, row.secret, row.created_at)
    .run();
  forgetWebhookAudience();
  return { endpoint: endpointOf(row), secret: row.secret };
}

/** An organisation's endpoints, oldest first. */
export async function listWebhookEndpoints(db: D1Database, organizationId: string): Promise<WebhookEndpoint[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE organization_id = ? ORDER BY created_at, id`)
    .bind(organizationId)
    .all<EndpointRow>();
  return results.map(endpointOf);
}

/**
 * The enabled endpoints of these organisations with the secrets that sign at `now`: one query,
 * for a whole batch of events.
 */
export async function enabledWebhookEndpoints(
  db: D1Database,
  organizationIds: readonly string[],
  now: number,
): Promise<WebhookEndpointWithSecrets[]> {
  if (!organizationIds.length) return [];
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM webhook_endpoints
       WHERE disabled_reason IS NULL AND organization_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify([...new Set(organizationIds)]))
    .all<EndpointRow>();
  return results.map((row) => withSecrets(row, now));
}

/** Every endpoint disabled for failing, of every organisation (what the alerts job reports). */
export async function failingWebhookEndpoints(db: D1Database): Promise<WebhookEndpoint[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE disabled_reason = 'failing' ORDER BY organization_id, id`)
    .all<EndpointRow>();
  return results.map(endpointOf);
}

/** Which endpoint of which organisation a change is for. */
export interface WebhookEndpointRef {
  readonly organizationId: string;
  readonly id: string;
}

/**
 * A new signing secret; the current one keeps signing beside it for `graceMs`, so receivers can
 * switch without losing a delivery. A rotation during a grace period drops the older secret.
 * @throws {WebhookEndpointError} `not-found`.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export async function rotateWebhookSecret(
  db: D1Database,
  ref: WebhookEndpointRef & { now: number; graceMs: number },
): Promise<{ secret: string; previousSecretExpiresAt: number }> {
  const secret = newWebhookSecret();
  const expiresAt = ref.now + ref.graceMs;
  const changed = await db
    .prepare(
      `UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ?, secret = ?
       WHERE id = ? AND organization_id = ?`,
    )
    .bind(expiresAt, secret, ref.id, ref.organizationId)
    .run();
  if (!changed.meta.changes) throw notFound();
  return { secret, previousSecretExpiresAt: expiresAt };
}

/**
 * Enables an endpoint again (after it was disabled for failing or for answering 410).
 * @throws {WebhookEndpointError} `not-found`.
 */
export async function enableWebhookEndpoint(db: D1Database, ref: WebhookEndpointRef): Promise<void> {
  const changed = await db
    .prepare('UPDATE webhook_endpoints SET disabled_reason = NULL WHERE id = ? AND organization_id = ?')
    .bind(ref.id, ref.organizationId)
    .run();
  if (!changed.meta.changes) throw notFound();
  forgetWebhookAudience();
}

/**
 * Deletes an endpoint: nothing more is sent to it.
 * @throws {WebhookEndpointError} `not-found`.
 */
export async function deleteWebhookEndpoint(db: D1Database, ref: WebhookEndpointRef): Promise<void> {
  const changed = await db
    .prepare('DELETE FROM webhook_endpoints WHERE id = ? AND organization_id = ?')
    .bind(ref.id, ref.organizationId)
    .run();
  if (!changed.meta.changes) throw notFound();
}

function notFound(): WebhookEndpointError {
  return new WebhookEndpointError('not-found', 'no such webhook endpoint in this organisation');
}
