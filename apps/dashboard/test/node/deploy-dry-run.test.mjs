// `wrangler deploy --dry-run` bundles the Worker from the root wrangler.toml exactly as a deploy
// would, offline: proof that what dashboard developers deploy builds (run after `vite build`). The
// bundle is the one the other node tests serve (dry-run-bundle.mjs: built once per change).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dryRunBundle } from './dry-run-bundle.mjs';

test('wrangler deploy --dry-run bundles the dashboard Worker (fetch, scheduled and queue) with its D1 and queue bindings', () => {
  const { dir: outdir, output } = dryRunBundle();
  assert.match(output, /--dry-run: exiting now/);
  for (const binding of ['ADMIN_DB', 'ORG_DB_ACME', 'ORG_DB_GLOBEX', 'SES_EVENTS_QUEUE']) {
    assert.match(output, new RegExp(binding));
  }
  // The queue producer of queued mode is bound to the SES events queue.
  assert.match(output, /SES_EVENTS_QUEUE \(kuratchi-ses-events\)\s+Queue/);
  // The raw archive's R2 bucket (optional; wrangler.toml binds it).
  assert.match(output, /SES_ARCHIVE \(kuratchi-ses-archive\)\s+R2 Bucket/);
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
