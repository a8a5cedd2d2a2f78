import type { D1Database, DurableObjectNamespace, Queue, R2Bucket } from '@cloudflare/workers-types';
import type { KuratchiLocals } from '$lib/server/locals';
import type { Session } from '$lib/server/auth/sessions';

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
      /** The signed-in user; always set on every page but /auth/* (hooks.server.ts enforces it). */
      session: Session | null;
    }
  }

  /** The Worker's bindings and variables (wrangler.toml, secrets, `.dev.vars`). */
  interface DashboardEnv {
    /** Admin database: organisations, SES message routing, parked and dead-lettered events, ingestion counters. */
    ADMIN_DB: D1Database;
    /**
     * Organisations on SQLite-backed Durable Objects (`OrganizationDatabase`, exported by
     * src/worker.ts): those whose `organizations.database_kind` is `durable-object`.
     */
    ORG_DO?: DurableObjectNamespace;
    /** `production` (default) or `development`; production refuses development-only settings. */
    ENVIRONMENT?: string;
    /** Comma-separated SNS topic ARNs the webhook accepts; empty refuses every topic. */
    SES_ALLOWED_TOPIC_ARNS?: string;
    /** Optional `user:password` HTTP Basic credential of the webhook. */
    SES_WEBHOOK_BASIC_AUTH?: string;
    /** Minutes without any SES event after a send before the health panel warns (default 60). */
    INGESTION_STALE_MINUTES?: string;
    /** Development only: PEM certificate trusted for SNS signatures on loopback requests (the demo). */
    SNS_DEV_CERTIFICATE_PEM?: string;
    /** Hours a parked or orphaned event is kept before it is dead-lettered (default 24, more than 1). */
    SES_PARK_TTL_HOURS?: string;
    /** Most events held per SES message; past it they are dead-lettered as park-full (default 100). */
    SES_PARK_MAX_EVENTS_PER_MESSAGE?: string;
    /** Secret bearer token of the operations API (`kuratchi-ses dead-letters`); unset: the API answers 403. */
    KURATCHI_OPS_TOKEN?: string;
    /** Secret access key of the Firehose HTTP endpoint (`X-Amz-Firehose-Access-Key`); unset: it answers 403. */
    SES_FIREHOSE_ACCESS_KEY?: string;
    /** Region of the Worker's own SESv2 calls (canary, reconciliation, pausing a configuration set). */
    AWS_REGION?: string;
    /** Secret: access key id of the Worker's own AWS calls; with no key those jobs do nothing. */
    AWS_ACCESS_KEY_ID?: string;
    /** Secret: its secret access key. */
    AWS_SECRET_ACCESS_KEY?: string;
    /** Secret, optional: a session token for temporary credentials. */
    AWS_SESSION_TOKEN?: string;
    /** Optional SESv2 endpoint instead of AWS's (a local fake in tests and the demo). */
    AWS_ENDPOINT_URL?: string;
    /** Secret, optional: a Slack-style incoming webhook URL that alerts are POSTed to (https). */
    KURATCHI_ALERT_WEBHOOK_URL?: string;
    /** Reconciliation: ask SES about emails with no outcome sent more than this many hours ago (default 4). */
    SES_RECONCILE_AFTER_HOURS?: string;
    /** Reconciliation: most emails asked about per cron run, at one a second (default 50, at most 300; 0: off). */
    SES_RECONCILE_MAX_PER_RUN?: string;
    /** Reconciliation: ask again about an email SES knew nothing more of after this many hours (default 6). */
    SES_RECONCILE_RETRY_HOURS?: string;
    /** Reconciliation: give up on an email this many hours after it was first asked about (default 72). */
    SES_RECONCILE_GIVE_UP_HOURS?: string;
    /** Reputation guard: days of the trailing window of the rates (default 7, 1 to 90). */
    REPUTATION_WINDOW_DAYS?: string;
    /** Reputation guard: recipients sent to in the window below which there is no verdict (default 200). */
    REPUTATION_MIN_RECIPIENTS?: string;
    /** Reputation guard: bounce rate (percent) that warns (default 2; below 5, SES's review level). */
    REPUTATION_BOUNCE_WARN_PERCENT?: string;
    /** Reputation guard: bounce rate (percent) that pauses the organisation's sending (default 4; below 5). */
    REPUTATION_BOUNCE_PAUSE_PERCENT?: string;
    /** Reputation guard: complaint rate (percent) that warns (default 0.05; below 0.1, SES's review level). */
    REPUTATION_COMPLAINT_WARN_PERCENT?: string;
    /** Reputation guard: complaint rate (percent) that pauses the organisation's sending (default 0.08; below 0.1). */
    REPUTATION_COMPLAINT_PAUSE_PERCENT?: string;
    /**
     * Queued mode: the producer binding of the SES events queue (wrangler.toml `[[queues.producers]]`).
     * Unbound, the webhook records each event inside the request (direct mode).
     */
    SES_EVENTS_QUEUE?: Queue<unknown>;
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
