import type { D1Migration } from '@cloudflare/vitest-pool-workers';

declare global {
  namespace Cloudflare {
    interface Env {
      ADMIN_DB: D1Database;
      ORG_DB_ACME: D1Database;
      ORG_DB_GLOBEX: D1Database;
      /** Migrated by no setup file: for tests of a migration on existing rows. */
      ORG_DB_UNMIGRATED: D1Database;
      /** Organisations on SQLite-backed Durable Objects (`OrganizationDatabase`). */
      ORG_DO: DurableObjectNamespace<import('../src/lib/email/durable-object/index.js').OrganizationDatabase>;
      /** The raw archive of SNS messages (local R2). */
      SES_ARCHIVE: R2Bucket;
      /** The SES events queue (real, miniflare), consumed by test/worker.ts. */
      SES_EVENTS_QUEUE: Queue<unknown>;
      /** The outbound webhooks queue (real, miniflare), consumed by test/worker.ts. */
      WEBHOOK_QUEUE: Queue<unknown>;
      ADMIN_MIGRATIONS: D1Migration[];
      ORG_MIGRATIONS: D1Migration[];
      /** Moves the tests' pinned clock (test/clock.ts); empty for its default. */
      KURATCHI_TEST_NOW: string;
    }
  }
}
export {};
