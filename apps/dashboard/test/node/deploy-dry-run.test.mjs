// `wrangler deploy --dry-run` bundles the Worker from the production configuration (the root
// wrangler.toml) exactly as a deploy would, offline: proof that what is deployed builds (run after
// `vite build`). The bundle is the one the other node tests serve (dry-run-bundle.mjs: built once
// per change).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  deployConfigProblems,
  readDeployConfig,
} from '../../../../packages/kuratchi-sdk/dist/cli/deploy/wrangler-config.js';
import { DEV_CONFIG, PRODUCTION_CONFIG } from '../../../../scripts/lib/wrangler.mjs';
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

test('the check before the bundle refuses a production configuration that cannot deploy the dashboard', () => {
  const shipped = readFileSync(PRODUCTION_CONFIG, 'utf8');
  const problems = (text) => deployConfigProblems(readDeployConfig(text));
  assert.deepEqual(problems(shipped), []);
  /** The shipped configuration without the array-of-tables entry whose header is followed by `firstLine`. */
  const without = (header, firstLine) =>
    shipped.replace(new RegExp(`\\[\\[${header}\\]\\]\\n${firstLine}\\n(?:[^[\\n].*\\n)*`), '');
  const broken = {
    'a placeholder id left': shipped.replace(
      'database_name = "kuratchi-admin"\n',
      'database_name = "kuratchi-admin"\ndatabase_id = "00000000-0000-4000-8000-000000000001"\n',
    ),
    'no admin database': without('d1_databases', 'binding = "ADMIN_DB"'),
    'no organisation namespace': without('durable_objects\\.bindings', 'name = "ORG_DO"'),
    'no SQLite migration of its class': without('migrations', 'tag = "v1-organization-database"'),
    'a queue nobody consumes': `${shipped}\n[[queues.producers]]\nbinding = "SES_EVENTS_QUEUE"\nqueue = "kuratchi-ses-events"\n`,
  };
  const expected = {
    'a placeholder id left': /D1 ADMIN_DB: database_id "00000000-0000-4000-8000-000000000001" is a placeholder/,
    'no admin database': /no admin database/,
    'no organisation namespace': /no organisation namespace/,
    'no SQLite migration of its class': /class OrganizationDatabase is in no \[\[migrations\]\] new_sqlite_classes/,
    'a queue nobody consumes': /queue kuratchi-ses-events: nothing consumes it/,
  };
  for (const [what, text] of Object.entries(broken)) {
    assert.notEqual(text, shipped, what);
    assert.match(problems(text).join('\n'), expected[what], what);
  }
  // The demo's configuration is not one to deploy: its ids are placeholders.
  assert.equal(problems(readFileSync(DEV_CONFIG, 'utf8')).filter((p) => /placeholder/.test(p)).length, 3);
});
