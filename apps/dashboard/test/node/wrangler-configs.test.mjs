// The two wrangler configurations, read by wrangler itself: the production one (wrangler.toml,
// what `kuratchi-ses deploy` deploys) is a real, empty deployment; the demo's (wrangler.dev.toml)
// is the same Worker with the demo's D1 organisations, queued mode and placeholder ids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unstable_readConfig } from 'wrangler';
import { DEMO_D1_ORGANIZATIONS } from '../../../../scripts/lib/demo-organizations.mjs';
import { DEV_CONFIG, PRODUCTION_CONFIG } from '../../../../scripts/lib/wrangler.mjs';

const production = unstable_readConfig({ config: PRODUCTION_CONFIG });
const dev = unstable_readConfig({ config: DEV_CONFIG });

test('the demo configuration is the production Worker: same entry, assets, cron, Durable Objects and archive', () => {
  for (const key of [
    'name',
    'main',
    'compatibility_date',
    'assets',
    'alias',
    'triggers',
    'durable_objects',
    'migrations',
    'r2_buckets',
  ]) {
    assert.deepEqual(dev[key], production[key], `wrangler.dev.toml and wrangler.toml differ in ${key}`);
  }
  const admin = (config) => config.d1_databases.find((d) => d.binding === 'ADMIN_DB');
  assert.equal(admin(dev).database_name, admin(production).database_name);
  assert.equal(admin(dev).migrations_dir, admin(production).migrations_dir);
});

test('the production configuration binds no demo database and no placeholder id, in direct mode', () => {
  assert.deepEqual(
    production.d1_databases.map((d) => d.binding),
    ['ADMIN_DB'],
  );
  // `kuratchi-ses deploy` writes the id of the database it creates or finds.
  assert.equal(production.d1_databases[0].database_id, undefined);
  assert.deepEqual(production.queues, { producers: [], consumers: [] });
  assert.equal(production.vars.KURATCHI_ENVIRONMENT, 'production');
});

test('the demo configuration binds the demo organisations on D1 and runs queued', () => {
  assert.deepEqual(
    dev.d1_databases.map((d) => d.binding),
    ['ADMIN_DB', ...DEMO_D1_ORGANIZATIONS.map((o) => o.binding)],
  );
  assert.deepEqual(
    dev.queues.producers.map((p) => [p.binding, p.queue]),
    [
      ['SES_EVENTS_QUEUE', 'kuratchi-ses-events'],
      ['WEBHOOK_QUEUE', 'kuratchi-webhooks'],
    ],
  );
  assert.deepEqual(
    dev.queues.consumers.map((c) => c.queue),
    ['kuratchi-ses-events', 'kuratchi-ses-events-dlq', 'kuratchi-webhooks'],
  );
  // Its variables come from scripts/dev.mjs; the generated [vars] block is wrangler.toml's.
  assert.deepEqual(dev.vars, {});
});
