import type { D1Migration } from '@cloudflare/vitest-pool-workers';

declare global {
  namespace Cloudflare {
    interface Env {
      ADMIN_DB: D1Database;
      ORG_DB_ACME: D1Database;
      ORG_DB_GLOBEX: D1Database;
      /** Organisations on SQLite-backed Durable Objects (Initech, test/support.ts). */
      ORG_DO: import('@cloudflare/workers-types').DurableObjectNamespace;
      /** Local R2 for the raw archive, passed as SES_ARCHIVE by the tests that archive. */
      TEST_SES_ARCHIVE: R2Bucket;
      KURATCHI_ENVIRONMENT: string;
      KURATCHI_ALLOWED_TOPIC_ARNS: string;
      ADMIN_MIGRATIONS: D1Migration[];
      ORG_MIGRATIONS: D1Migration[];
      TEST_SIGNER_CERT_URL: string;
      TEST_SIGNER_CERT_PEM: string;
      TEST_SIGNER_KEY_PKCS8: string;
      OUTBOUND_LOG: Fetcher;
      /** test/fake-http.ts: scripted answers for the Worker's outbound requests to a host. */
      FAKE_HTTP: Fetcher;
      /** Moves the unit tests' pinned clock (test/clock.ts); empty for its default. */
      KURATCHI_TEST_NOW: string;
    }
  }
}

export {};
