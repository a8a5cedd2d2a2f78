import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The SES events queue's consumer settings as the development configuration declares them
 * (wrangler.dev.toml: batches of 100, `max_retries`, the dead-letter queue), so the queue tests
 * run Queues exactly as `wrangler dev` does.
 * @see https://developers.cloudflare.com/queues/configuration/configure-queues/
 */
function devQueueMaxRetries(): number {
  const toml = readFileSync(new URL('../../wrangler.dev.toml', import.meta.url), 'utf8');
  const consumer = /\[\[queues\.consumers\]\]\s*queue = "kuratchi-ses-events"\n[^[]*?max_retries = (\d+)/.exec(toml);
  if (!consumer) throw new Error('wrangler.dev.toml: no max_retries for the kuratchi-ses-events consumer');
  return Number(consumer[1]);
}

/**
 * Every test of the SDK runs inside workerd (the Workers runtime), with the admin database and
 * two organisation databases as local D1, migrated by `test/apply-migrations.ts`.
 */
export default defineConfig(async () => {
  const adminMigrations = await readD1Migrations('migrations/admin');
  const orgMigrations = await readD1Migrations('migrations/org');
  return {
    plugins: [
      cloudflareTest({
        // Exports the organisation Durable Object class (ORG_DO below).
        main: './test/worker.ts',
        miniflare: {
          compatibilityDate: '2026-05-01',
          // ORG_DB_UNMIGRATED: no setup migrates it; a migration test applies the files itself.
          d1Databases: ['ADMIN_DB', 'ORG_DB_ACME', 'ORG_DB_GLOBEX', 'ORG_DB_UNMIGRATED'],
          // The raw archive (archive/sns-archive.ts) on miniflare's local R2.
          r2Buckets: ['SES_ARCHIVE'],
          // Real Queues (miniflare): the SES events queue and its dead-letter queue, consumed by
          // test/worker.ts's `queue` handler (the façade's), with wrangler.dev.toml's retries.
          // And the outbound webhooks queue (webhooks/webhook-consumer.ts), as wrangler.dev.toml binds it.
          queueProducers: { SES_EVENTS_QUEUE: 'kuratchi-ses-events', WEBHOOK_QUEUE: 'kuratchi-webhooks' },
          queueConsumers: {
            'kuratchi-ses-events': {
              maxBatchSize: 100,
              maxBatchTimeout: 1,
              maxRetries: devQueueMaxRetries(),
              deadLetterQueue: 'kuratchi-ses-events-dlq',
            },
            'kuratchi-ses-events-dlq': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 100 },
            'kuratchi-webhooks': { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
          },
          // Organisations on SQLite-backed Durable Objects (kuratchi-sdk/email/durable-object).
          durableObjects: { ORG_DO: { className: 'OrganizationDatabase', useSQLite: true } },
          bindings: {
            ADMIN_MIGRATIONS: adminMigrations,
            ORG_MIGRATIONS: orgMigrations,
            // test/clock.ts: the pinned `now` of the tests, moved by the time-shift check.
            KURATCHI_TEST_NOW: process.env.KURATCHI_TEST_NOW ?? '',
          },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts'],
      // One workerd for all the files (a new one per file cost seconds each, most of the suite's
      // time on a 2-core machine): each file starts from empty storage (test/apply-migrations.ts).
      isolate: false,
      setupFiles: ['./test/apply-migrations.ts'],
      // Tests here drive workerd and local D1 (property runs, fault injection): a per-test limit
      // is a hang detector, not a speed target (speed lives in pnpm bench), so it leaves room
      // for a 2-core CI machine shared with other work (a test taking 5 s idle took 50 s with
      // both cores busy elsewhere); the few longer tests set their own.
      testTimeout: 300_000,
      hookTimeout: 300_000,
      // A fake AWS endpoint on 127.0.0.1 for the real SESv2 client in workerd (send/send-email.test.ts).
      // And the outbound webhooks receiver on 127.0.0.1 (webhooks/webhook-consumer.test.ts).
      globalSetup: ['./test/node/fake-aws.global.mjs', './test/node/webhook-receiver.global.mjs'],
    },
  };
});
