import type { D1Migration } from '@cloudflare/vitest-pool-workers';

declare global {
  namespace Cloudflare {
    interface Env {
      ADMIN_DB: D1Database;
      ORG_DB_ACME: D1Database;
      ORG_DB_GLOBEX: D1Database;
      ENVIRONMENT: string;
      SES_ALLOWED_TOPIC_ARNS: string;
      ADMIN_MIGRATIONS: D1Migration[];
      ORG_MIGRATIONS: D1Migration[];
      TEST_SIGNER_CERT_URL: string;
      TEST_SIGNER_CERT_PEM: string;
      TEST_SIGNER_KEY_PKCS8: string;
      OUTBOUND_LOG: Fetcher;
    }
  }
}

export {};
