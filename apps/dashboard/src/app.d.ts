import type { D1Database, DurableObjectNamespace, Queue, R2Bucket } from '@cloudflare/workers-types';
import type { KuratchiLocals } from '$lib/server/locals';
import type { Session, SignedIn } from '$lib/server/auth/sessions';
import type { SettingsEnv } from '$lib/server/settings/types';
import type { ApiCaller } from '$lib/server/api/keys';

declare global {
  namespace App {
    interface Platform {
      env: DashboardEnv;
      context: ExecutionContext;
      caches: CacheStorage & { default: Cache };
      cf?: IncomingRequestCfProperties;
    }
    interface Locals {
      kuratchi: KuratchiLocals;
      /** Who is signed in; set on every page but /auth/* (hooks.server.ts enforces it). */
      signedIn: SignedIn | null;
      /**
       * The same, looking at an organisation: set on every page but /auth/* and the few a
       * superadmin needs while the deployment has no organisation yet (hooks.server.ts).
       */
      session: Session | null;
      /** The REST API's caller (`/api/v1/`): the organisation and scopes of its API key (hooks.server.ts). */
      apiCaller: ApiCaller | null;
    }
  }

  /**
   * The Worker's bindings and variables (wrangler.toml, secrets, `.dev.vars`). The variables are
   * the settings registry's (src/lib/server/settings/registry.ts, docs/settings.md).
   */
  interface DashboardEnv extends SettingsEnv {
    /** Admin database: organisations, SES message routing, parked and dead-lettered events, ingestion counters. */
    ADMIN_DB: D1Database;
    /**
     * Organisations on SQLite-backed Durable Objects (`OrganizationDatabase`, exported by
     * src/worker.ts): those whose `organizations.database_kind` is `durable-object`.
     */
    ORG_DO?: DurableObjectNamespace;
    /**
     * Queued mode: the producer binding of the SES events queue (wrangler.toml `[[queues.producers]]`).
     * Unbound, the webhook records each event inside the request (direct mode).
     */
    SES_EVENTS_QUEUE?: Queue<unknown>;
    /**
     * Outbound webhooks (wrangler.toml `[[queues.producers]]` kuratchi-webhooks): every recorded
     * event is sent here, and this Worker's `queue` handler delivers it to the organisation's
     * endpoints (webhooks/queue.ts). Unbound, nothing is delivered (the Webhooks page says so).
     */
    WEBHOOK_QUEUE?: Queue<unknown>;
    /**
     * The raw archive (wrangler.toml `[[r2_buckets]]`): every verified SNS message, as received,
     * before its event is applied or enqueued; the source of proofs and `kuratchi-ses rebuild`.
     * Unbound, nothing is archived.
     */
    SES_ARCHIVE?: R2Bucket;
    /** Organisation databases, bound under the names in `organizations.database_binding`. */
    [binding: string]: unknown;
  }
}

export {};
