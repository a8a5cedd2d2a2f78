import { error, fail } from '@sveltejs/kit';
import {
  WebhookEndpointError,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDeliveries,
} from 'kuratchi-sdk/internal/webhooks';

/**
 * An endpoint's page (`/webhooks/<id>`): its recent deliveries (the last 100 kept) and replays of
 * one delivery or of those created in a time range (UTC), through `WEBHOOK_QUEUE`.
 */

function organizationOf(locals: App.Locals): string {
  if (!locals.session) error(401, 'Sign in first');
  return locals.session.organization.id;
}

/** The endpoint (404 when it is not this organisation's) and its deliveries, newest first. */
export async function endpointDeliveries(locals: App.Locals, endpointId: string) {
  const organizationId = organizationOf(locals);
  const db = locals.kuratchi.getAdminDb();
  const endpoint = (await listWebhookEndpoints(db, organizationId)).find((e) => e.id === endpointId);
  if (!endpoint) error(404, 'No such webhook endpoint in this organisation');
  return { endpoint, deliveries: await listWebhookDeliveries(db, { organizationId, endpointId }) };
}

/** `2026-12-06T17:00` (a datetime-local field, read as UTC) as epoch ms, or undefined when empty. */
function utcField(value: FormDataEntryValue | null): number | undefined {
  const text = String(value ?? '').trim();
  if (!text) return undefined;
  const ms = Date.parse(`${text}Z`);
  if (Number.isNaN(ms)) throw new WebhookEndpointError('invalid-url', `not a date and time: ${text}`);
  return ms;
}

/** Replays the form's `webhookId`, or the deliveries created between its `from` and `to` (UTC). */
export async function replayDeliveries(
  locals: App.Locals,
  env: App.Platform['env'] | undefined,
  endpointId: string,
  form: FormData,
) {
  const organizationId = organizationOf(locals);
  if (!env?.WEBHOOK_QUEUE) return fail(503, { error: 'Outbound webhooks are off: WEBHOOK_QUEUE is not bound.' });
  try {
    const webhookId = String(form.get('webhookId') ?? '') || undefined;
    const from = utcField(form.get('from'));
    const to = utcField(form.get('to'));
    const replayed = await replayWebhookDeliveries(locals.kuratchi.getAdminDb(), env.WEBHOOK_QUEUE, {
      organizationId,
      endpointId,
      ...(webhookId ? { webhookId } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return { replayed };
  } catch (cause) {
    if (cause instanceof WebhookEndpointError) {
      return fail(cause.code === 'not-found' ? 404 : 400, { error: cause.message });
    }
    throw cause;
  }
}
