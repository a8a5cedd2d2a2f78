import { failingWebhookEndpoints } from 'kuratchi-sdk/internal/webhooks';
import type { AlertProvider } from '../condition';

/**
 * `webhook-endpoint-failing`, per endpoint: an organisation's webhook endpoint that failed every
 * attempt for days was disabled (webhooks/retry-schedule.ts `WEBHOOK_DISABLE_AFTER_MS`). One
 * incident per endpoint while it stays disabled, cleared once its admin enables or deletes it.
 */
export function webhookEndpointsAlertProvider(env: DashboardEnv): AlertProvider {
  return async () =>
    (await failingWebhookEndpoints(env.ADMIN_DB)).map((endpoint) => ({
      kind: 'webhook-endpoint-failing' as const,
      key: `webhook-endpoint-failing:${endpoint.id}`,
      organizationId: endpoint.organizationId,
      severity: 'warning' as const,
      title: `Webhook endpoint ${endpoint.url} was disabled: it failed every delivery for days`,
      detail:
        'Fix the receiver, then enable the endpoint on the Webhooks page and replay what it missed ' +
        '(`kuratchi-ses webhooks replay`).',
    }));
}
