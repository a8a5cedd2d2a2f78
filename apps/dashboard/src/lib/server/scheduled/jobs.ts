import { createD1AdminStore } from 'kuratchi-sdk/internal/d1';
import { createD1ReputationGuardStore } from 'kuratchi-sdk/internal/guard';
import { createD1IncidentStore } from '../alerts/incident-store';
import { alertProviders } from '../alerts/providers';
import { runAlerts } from '../alerts/run-alerts';
import { purgeExpiredAuthRows } from '../auth/maintenance';
import { purgeAdminTables } from '../bounds/admin-purge';
import { measureOrganizationStorage } from '../bounds/storage';
import { purgeIdempotencyKeys } from '../api/idempotency';
import { purgeRateWindows } from '../api/rate-limit';
import { runCanaryJob } from '../canary/job';
import { readConfig } from '../config';
import { emailTracking } from '../tracking';
import { reconcileJob } from '../reconcile/job';
import { reconcileExportJob } from '../reconcile/export-job';
import { retentionPurgeJob } from '../retention/job';
import { rollupBackfillJob } from '../retention/rollup-backfill-job';
import { runReputationGuard } from '../reputation/guard-job';
import { runSesViewJob } from '../reputation/ses-view';
import { runSesTenantJob } from '../tenants/job';
import { suppressionSyncJob } from '../suppressions/job';
import { CRON_QUERY_LIMIT } from './budget';
import type { CronName } from './crons';
import type { ScheduledJob } from './run-jobs';

/** How long the lag histogram is kept. */
const LAG_KEPT_MS = 24 * 3_600_000;

/** The park sweep's limits: 15 applied × 4 + 16 pages × 2 + 1 = 93 statements, so calls, at most. */
const PARK_SWEEP_LIMITS = { maxApplied: 15, maxPages: 16 } as const;

/**
 * The guard's calls: per organisation its read (one batch, or one call to its object); per
 * slice 2 (its organisations and states; their new states, audit entries and the cursor in one
 * batch: kuratchi-sdk saveEvaluations) and 30 kept for the calls of organisations paused at SES
 * (up to 4 each).
 */
const GUARD_QUERIES = { perOrganization: 1, perSlice: 32 } as const;

/**
 * The guard's share when it runs alone (the `guard` trigger, every minute): the whole budget, of
 * which KURATCHI_GUARD_ORGANIZATIONS_PER_RUN organisations take one call each (its maximum fits).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const GUARD_CRON_QUERIES = CRON_QUERY_LIMIT;

/** The guard's share beside every other job (`guardIfSilentJob`): the 302 they leave. */
export const GUARD_BESIDE_JOBS_QUERIES = 302;

/**
 * Wall time after which a guard run starts no further organisation: half the `guard` trigger's
 * minute, so that a run (its last organisation's call and the slice's write included) ends before
 * the next starts even when D1 or the organisations' objects answer slowly. Overlapping runs would
 * evaluate the same organisations, and write an organisation evaluated for the first time twice,
 * with two audit entries (kuratchi-sdk: runReputationGuardSlice). It also keeps the run inside
 * Workers' default 30 s of CPU time and a cron's 15 minutes of wall time; its calls (one per
 * organisation, GUARD_CRON_QUERIES at most) stay inside 1,000 subrequests (10,000 on the current
 * Paid plan) and D1's 1,000 queries.
 * @see https://developers.cloudflare.com/workers/platform/limits/#cpu-time
 * @see https://developers.cloudflare.com/workers/platform/limits/#duration
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const GUARD_RUN_MS = 30_000;

/**
 * The reputation guard with `queries` calls: evaluates every organisation's bounce and complaint
 * rates, the next KURATCHI_GUARD_ORGANIZATIONS_PER_RUN of them (at most what the share allows),
 * for at most GUARD_RUN_MS; pauses past KURATCHI_GUARD_*_PAUSE_PERCENT (../reputation/guard-job,
 * kuratchi-sdk: runReputationGuardSlice).
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
function reputationGuardJob(env: DashboardEnv, queries: number): ScheduledJob {
  return {
    name: 'reputation-guard',
    queries,
    run: (now, share) =>
      runReputationGuard(
        env,
        now,
        Math.floor((share.queries - GUARD_QUERIES.perSlice) / GUARD_QUERIES.perOrganization),
        Date.now() + GUARD_RUN_MS,
      ),
  };
}

/**
 * How long the guard's own trigger may have been silent before the other jobs' run takes its
 * place: five of its minutes.
 */
export const GUARD_SILENT_MS = 5 * 60_000;

/**
 * The guard beside the other jobs, with GUARD_BESIDE_JOBS_QUERIES: only when its own trigger has
 * not moved its cursor (the guard store's `lastRunAt`) for
 * GUARD_SILENT_MS, as when a deployment's wrangler.toml lacks CRONS.guard; otherwise one query
 * and `skipped` (its share then goes to the purge, which runs later).
 */
function guardIfSilentJob(env: DashboardEnv): ScheduledJob {
  const guard = reputationGuardJob(env, GUARD_BESIDE_JOBS_QUERIES);
  return {
    ...guard,
    run: async (now, share) => {
      const last = await createD1ReputationGuardStore(env.ADMIN_DB).lastRunAt();
      if (last !== null && now.getTime() - last < GUARD_SILENT_MS)
        return { skipped: `its trigger ran at ${new Date(last).toISOString()}` };
      return guard.run(now, { queries: share.queries - 1 });
    },
  };
}

/**
 * The jobs of the cron trigger `cron` (./crons.ts), in the order they run: for `guard` the
 * reputation guard alone with the whole budget; for `jobs`, and a cron not in CRONS (null: a
 * wrangler.toml of its own; the worker logs a warning), every other job and the guard when its
 * own trigger has been silent (`guardIfSilentJob`), so that no wrangler.toml leaves it undone.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export function scheduledJobs(env: DashboardEnv, cron: CronName | null): ScheduledJob[] {
  if (cron === 'guard') return [reputationGuardJob(env, GUARD_CRON_QUERIES)];
  const jobs = tenMinuteJobs(env);
  // Before the tenants job, which reads the guard's states, and the purge, which takes what it leaves.
  const at = jobs.findIndex((job) => job.name === 'ses-tenants');
  return [...jobs.slice(0, at), guardIfSilentJob(env), ...jobs.slice(at)];
}

/** Calls one organisation's measurement makes at most: a batch of 4 counts (once a day), its size, its row. */
const STORAGE_QUERIES_PER_ORGANIZATION = 3;

/**
 * The jobs of the Worker's 10-minute cron trigger (CRONS.jobs), in the order they
 * run. Each reads what it needs from the env when it runs, so one misconfigured job fails alone.
 * Each declares `queries`, its share of the invocation's D1 queries (./budget.ts,
 * docs/architecture.md#one-query-budget-per-cron-run); together at most CRON_QUERY_LIMIT.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
function tenMinuteJobs(env: DashboardEnv): ScheduledJob[] {
  return [
    {
      // Applies parked events whose lookup row appeared without a drain; dead-letters what
      // outlived KURATCHI_PARK_TTL_HOURS (kuratchi-sdk: sweepParkedEvents).
      name: 'park-sweep',
      queries: 93,
      run: (now) => emailTracking(env, readConfig(env)).sweepPark(now, PARK_SWEEP_LIMITS),
    },
    {
      // Deletes expired sessions, sign-in throttle rows idle for 24 h and old set-password links (../auth/maintenance).
      name: 'auth-purge',
      queries: 5,
      run: (now) => purgeExpiredAuthRows(env.ADMIN_DB, now.getTime()),
    },
    {
      // Deletes the API's Idempotency-Key answers after 24 hours and its ended rate-limit windows (../api).
      name: 'api-purge',
      queries: 5,
      run: async (now) => ({
        idempotencyKeys: await purgeIdempotencyKeys(env.ADMIN_DB, now.getTime()),
        rateWindows: await purgeRateWindows(env.ADMIN_DB, now.getTime()),
      }),
    },
    {
      // Keeps a day of the lag histogram (the health panel reads the last hour).
      name: 'lag-purge',
      queries: 2,
      run: async (now) => ({
        deleted: await createD1AdminStore(env.ADMIN_DB).purgeLagBefore(now.getTime() - LAG_KEPT_MS),
      }),
    },
    {
      // Deletes old rows of the admin tables that have no other purge: cleared incidents, decided
      // canary runs, the reputation audit, subscription messages, finished export jobs, the
      // tally of dropped dead letters (../bounds/admin-purge; docs/table-bounds.md).
      name: 'admin-purge',
      queries: 10, // ADMIN_PURGE_MAX_PAGES batches
      run: (now) => purgeAdminTables(env.ADMIN_DB, now.getTime()),
    },
    {
      // Each organisation's database size, rows and oldest event, every 6 hours, for the
      // Organisations page and the `storage` alert (../bounds/storage).
      name: 'storage-measure',
      queries: 112,
      run: (now, share) =>
        measureOrganizationStorage(
          env,
          now.getTime(),
          Math.floor((share.queries - 1) / STORAGE_QUERIES_PER_ORGANIZATION),
        ),
    },
    // Asks SES (GetMessageInsights) about emails with no outcome after KURATCHI_RECONCILE_AFTER_HOURS
    // and applies what it learns (../reconcile/job).
    reconcileJob(env),
    // Bulk reconciliation: a daily SES export job of message insights, imported page by page;
    // off without KURATCHI_RECONCILE_EXPORT_S3_URL (../reconcile/export-job).
    reconcileExportJob(env),
    {
      // Sends a canary run to the SES mailbox simulator every KURATCHI_CANARY_INTERVAL_MINUTES and
      // decides the waiting ones (../canary/job.ts); off without KURATCHI_CANARY_ORGANIZATION_ID.
      name: 'canary',
      queries: 30, // a run sent and the waiting ones decided: 19 counted in canary.test.ts
      run: (now) => runCanaryJob(env, now),
    },
    {
      // With KURATCHI_SES_TENANTS=on: tenants of new and removed organisations, their associations,
      // the guard's tenant status, and every SES call that failed, after its backoff (../tenants/job).
      name: 'ses-tenants',
      queries: 25,
      run: (now) => runSesTenantJob(env, now),
    },
    {
      // SES's view of each tenant: owed re-reads every run, a ListReputationEntities sweep daily
      // (../reputation/ses-view; off unless KURATCHI_SES_TENANTS=on with AWS credentials).
      name: 'ses-view',
      queries: 20,
      run: (now) => runSesViewJob(env, now),
    },
    // With KURATCHI_SES_TENANTS=on: each organisation's suppression list and its SES tenant's
    // list agree, once the tenant exists (../suppressions/job).
    suppressionSyncJob(env),
    // Counts into the daily rollups the emails that predate them (org migration 0011), a bounded
    // slice per run; before the purge, which waits for it (../retention/rollup-backfill-job).
    rollupBackfillJob(env),
    // Deletes events and emails past each organisation's retention (KURATCHI_RETENTION_*, or the
    // override a superadmin set), a bounded slice per run, resuming where the last stopped (../retention/job).
    retentionPurgeJob(env),
    {
      // Last, so it sees what the jobs above did: opens and clears incidents, and sends each
      // transition once to KURATCHI_ALERT_WEBHOOK_URL (../alerts/run-alerts).
      name: 'alerts',
      queries: 40,
      run: (now) =>
        runAlerts({
          providers: alertProviders(env),
          store: createD1IncidentStore(env.ADMIN_DB),
          webhookUrl: readConfig(env).alertWebhookUrl,
          now,
        }),
    },
  ];
}
