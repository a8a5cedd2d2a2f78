import { error, fail } from '@sveltejs/kit';
import {
  WEBHOOK_SECRET_GRACE_MS,
  WebhookEndpointError,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  enableWebhookEndpoint,
  rotateWebhookSecret,
  type WebhookEndpointRef,
} from 'kuratchi-sdk/internal/webhooks';
import type { D1Database } from '@cloudflare/workers-types';
import { readConfig } from '../config';

/**
 * The form actions of the Webhooks page (`/webhooks`): an organisation's admin (or a superadmin
 * looking at it) registers endpoints, rotates their secrets, enables them again and deletes them.
 * Each acts only on the organisation of the session; a refusal answers 400 (404 for an endpoint of
 * another organisation) with the reason, and writes nothing.
 */

/** The statuses of {@link WebhookEndpointError}'s codes. */
const STATUS = { 'invalid-url': 400, 'invalid-event-types': 400, 'not-found': 404 } as const;

/** The admin database and organisation a change is for; 401 without an organisation's session. */
function scope(locals: App.Locals): { db: D1Database; organizationId: string } {
  if (!locals.session) error(401, 'Sign in first');
  return { db: locals.kuratchi.getAdminDb(), organizationId: locals.session.organization.id };
}

async function answer<T extends object>(run: () => Promise<T>) {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof WebhookEndpointError) return fail(STATUS[cause.code], { error: cause.message });
    throw cause;
  }
}

/** Registers an endpoint from the form's `url` and `eventType` fields; the new secret is shown once. */
export async function registerEndpoint(locals: App.Locals, env: App.Platform['env'] | undefined, form: FormData) {
  const { db, organizationId } = scope(locals);
  const development = readConfig(env).environment === 'development';
  const url = String(form.get('url') ?? '');
  const eventTypes = form.getAll('eventType').map(String);
  return answer(async () => {
    const { endpoint, secret } = await createWebhookEndpoint(db, {
      organizationId,
      url,
      eventTypes,
      now: Date.now(),
      development,
    });
    return { secret: { endpointId: endpoint.id, url: endpoint.url, value: secret } };
  });
}

/** The endpoint the form's `id` names, in the session's organisation. */
function endpointRef(locals: App.Locals, form: FormData): { db: D1Database; ref: WebhookEndpointRef } {
  const { db, organizationId } = scope(locals);
  return { db, ref: { organizationId, id: String(form.get('id') ?? '') } };
}

/** A new secret for the endpoint; the previous one signs too for {@link WEBHOOK_SECRET_GRACE_MS}. */
export function rotateSecret(locals: App.Locals, form: FormData) {
  const { db, ref } = endpointRef(locals, form);
  return answer(async () => {
    const rotated = await rotateWebhookSecret(db, { ...ref, now: Date.now(), graceMs: WEBHOOK_SECRET_GRACE_MS });
    return { secret: { endpointId: ref.id, value: rotated.secret, previousUntil: rotated.previousSecretExpiresAt } };
  });
}

/** Enables a disabled endpoint again. */
export function enableEndpoint(locals: App.Locals, form: FormData) {
  const { db, ref } = endpointRef(locals, form);
  return answer(async () => (await enableWebhookEndpoint(db, ref), { enabled: ref.id }));
}

/** Deletes an endpoint. */
export function deleteEndpoint(locals: App.Locals, form: FormData) {
  const { db, ref } = endpointRef(locals, form);
  return answer(async () => (await deleteWebhookEndpoint(db, ref), { deleted: ref.id }));
}
