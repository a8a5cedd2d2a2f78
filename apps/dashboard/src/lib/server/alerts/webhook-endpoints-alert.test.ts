import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '$worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { ORGS, seedOrganizations } from '../../../../test/support';

/**
 * An organisation's webhook endpoint disabled for failing for days opens an alert for that
 * organisation through the real cron trigger of the built Worker, and enabling it again clears it.
 * The cron runs at the real clock (`Date.now()` read once).
 */
const NOW = Date.now();

beforeAll(seedOrganizations);

async function runCron(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await Promise.resolve(
    worker.scheduled!(
      createScheduledController({ scheduledTime: new Date(at), cron: '*/10 * * * *' }),
      { ...env },
      ctx,
    ),
  ).catch(() => undefined);
  await waitOnExecutionContext(ctx);
}

async function openIncident(key: string) {
  return env.ADMIN_DB.prepare(
    'SELECT kind, organization_id, title FROM alert_incidents WHERE key = ? AND cleared_at IS NULL',
  )
    .bind(key)
    .first<{ kind: string; organization_id: string; title: string }>();
}

describe('the webhook endpoint alert', () => {
  it('opens for an endpoint disabled for failing, for its organisation, and clears once it is enabled', async () => {
    const id = `whe_alert_${crypto.randomUUID().replaceAll('-', '')}`;
    await env.ADMIN_DB.prepare(
      `INSERT INTO webhook_endpoints (id, organization_id, url, event_types, secret, disabled_reason, failing_since, created_at)
       VALUES (?, ?, 'https://hooks.acme.example/down', '["email.sent"]', 'whsec_x', 'failing', ?, ?)`,
    )
      .bind(id, ORGS.acme, NOW - 4 * 86_400_000, NOW - 5 * 86_400_000)
      .run();
    await runCron(NOW);
    const key = `webhook-endpoint-failing:${id}`;
    expect(await openIncident(key)).toEqual({
      kind: 'webhook-endpoint-failing',
      organization_id: ORGS.acme,
      title: 'Webhook endpoint https://hooks.acme.example/down was disabled: it failed every delivery for days',
    });
    await env.ADMIN_DB.prepare('UPDATE webhook_endpoints SET disabled_reason = NULL WHERE id = ?').bind(id).run();
    await runCron(NOW + 600_000);
    expect(await openIncident(key)).toBeNull();
  });
});
