// The demo's outbound webhook receiver: Acme's endpoint (http://127.0.0.1:8862/ok/acme, allowed in
// development only) on a local server that verifies each delivery with the published
// `standardwebhooks` package and prints one line per delivery. Its signing secret is kept in the
// work directory across runs and registered in the admin database by scripts/dev.mjs.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWebhookReceiver } from '../../packages/kuratchi-sdk/test/node/webhook-receiver.mjs';

/** Acme's endpoint row: id, URL, every event type, the secret. */
export const DEMO_WEBHOOK_ENDPOINT_ID = 'whe_demo_acme';

/**
 * Starts the receiver on `port`; resolves to the endpoint's URL and the SQL that registers it.
 * @param {{ port: number, workDir: string, log: (line: string) => void }} options
 */
export async function startDemoWebhookReceiver({ port, workDir, log }) {
  const file = join(workDir, 'webhook-secret.txt');
  if (!existsSync(file)) writeFileSync(file, `whsec_${randomBytes(32).toString('base64')}`);
  const secret = readFileSync(file, 'utf8').trim();
  const receiver = await startWebhookReceiver({
    port,
    secrets: { acme: [secret] },
    onDelivery: (d) =>
      log(
        `  webhook → Acme ${d.verified ? 'verified' : 'NOT VERIFIED'} ${d.body?.type ?? '?'} ${d.id} (email ${d.body?.data?.emailId ?? '?'})`,
      ),
  });
  const url = `${receiver.url}/ok/acme`;
  const types = JSON.stringify([
    'email.sent',
    'email.delivered',
    'email.bounced',
    'email.complained',
    'email.opened',
    'email.clicked',
  ]);
  const sql =
    `INSERT INTO webhook_endpoints (id, organization_id, url, event_types, secret, created_at) ` +
    `VALUES ('${DEMO_WEBHOOK_ENDPOINT_ID}', 'org-acme', '${url}', '${types}', '${secret}', ${Date.now()}) ` +
    `ON CONFLICT (id) DO UPDATE SET url = excluded.url, event_types = excluded.event_types, secret = excluded.secret, ` +
    `disabled_reason = NULL, failing_since = NULL, previous_secret = NULL, previous_secret_expires_at = NULL`;
  return { url, sql, close: receiver.close };
}
