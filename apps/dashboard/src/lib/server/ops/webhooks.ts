import {
  WebhookEndpointError,
  listWebhookDeliveries,
  listWebhookEndpoints,
  replayWebhookDeliveries,
} from 'kuratchi-sdk/internal/webhooks';
import { z } from 'zod';
import { invalidRequest, readJsonBody } from './request';

const listQuery = z.object({
  organizationId: z.string().min(1),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

/**
 * `GET /api/ops/webhooks?organizationId=…&limit=…`: an organisation's webhook endpoints, each with
 * its newest deliveries, for `kuratchi-ses webhooks list`.
 */
export async function listWebhooksOps(env: DashboardEnv, url: URL): Promise<Response> {
  const query = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return invalidRequest(query.error);
  const { organizationId, limit } = query.data;
  const endpoints = await listWebhookEndpoints(env.ADMIN_DB, organizationId);
  return Response.json({
    endpoints: await Promise.all(
      endpoints.map(async (endpoint) => ({
        ...endpoint,
        deliveries: await listWebhookDeliveries(env.ADMIN_DB, { organizationId, endpointId: endpoint.id, limit }),
      })),
    ),
  });
}

const replayBody = z
  .object({
    organizationId: z.string().min(1),
    endpointId: z.string().min(1),
    webhookId: z.string().min(1).optional(),
    from: z.number().int().min(0).optional(),
    to: z.number().int().min(0).optional(),
  })
  .strict();

/**
 * `POST /api/ops/webhooks/replay` with JSON `{ organizationId, endpointId, webhookId?, from?, to? }`
 * (epoch ms): queues one more attempt of those deliveries (webhooks/replay.ts); 503 when
 * `WEBHOOK_QUEUE` is not bound, 404 for an unknown or disabled endpoint.
 */
export async function replayWebhooksOps(env: DashboardEnv, request: Request): Promise<Response> {
  const body = await readJsonBody(request, replayBody);
  if ('refusal' in body) return body.refusal;
  if (!env.WEBHOOK_QUEUE) {
    return Response.json({ error: 'webhooks-off', message: 'WEBHOOK_QUEUE is not bound' }, { status: 503 });
  }
  const { webhookId, from, to, ...where } = body.data;
  try {
    const replayed = await replayWebhookDeliveries(env.ADMIN_DB, env.WEBHOOK_QUEUE, {
      ...where,
      ...(webhookId ? { webhookId } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    });
    return Response.json({ replayed });
  } catch (error) {
    if (!(error instanceof WebhookEndpointError)) throw error;
    return Response.json({ error: error.code, message: error.message }, { status: 404 });
  }
}
