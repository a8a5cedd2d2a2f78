// `wrangler deploy --dry-run` bundles the Worker from the production configuration (the root
// wrangler.toml) exactly as a deploy would, offline: proof that what is deployed builds (run after
// `vite build`). The bundle is the one the other node tests serve (dry-run-bundle.mjs: built once
// per change).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dryRunBundle } from './dry-run-bundle.mjs';

test('wrangler deploy --dry-run bundles the dashboard Worker (fetch, scheduled and queue) with the production bindings', () => {
  const { dir: outdir, output } = dryRunBundle();
  assert.match(output, /--dry-run: exiting now/);
  // A real, empty deployment: the admin database, organisations on Durable Objects, the archive.
  assert.match(output, /env\.ADMIN_DB \(kuratchi-admin\)\s+D1 Database/);
  assert.match(output, /env\.ORG_DO \(OrganizationDatabase\)\s+Durable Object/);
  assert.match(output, /env\.SES_ARCHIVE \(kuratchi-ses-archive\)\s+R2 Bucket/);
  // No demo organisation on D1, and direct mode as shipped (no queue producer).
  assert.doesNotMatch(output, /ORG_DB_/);
  assert.doesNotMatch(output, /SES_EVENTS_QUEUE/);
  const bundle = readdirSync(outdir).find((file) => file.endsWith('.js'));
  assert.ok(bundle, `no bundle in ${outdir}: ${readdirSync(outdir)}`);
  const code = readFileSync(join(outdir, bundle), 'utf8');
  assert.match(code, /api\/webhooks\/ses-events/);
  // Our entry (src/worker.ts) around the adapter's build: the cron trigger's handler is there.
  assert.match(code, /async scheduled\(controller, /);
  assert.match(code, /"park-sweep"/);
  // …and the queue handler of the SES events queue and its dead-letter queue.
  assert.match(code, /queue: .*consumeQueueBatch/);
  assert.match(code, /"kuratchi-ses-events-dlq"/);
});
