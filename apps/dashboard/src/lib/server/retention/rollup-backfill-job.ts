import { createOrgDatabaseClient, runRollupBackfill } from 'kuratchi-sdk/internal/d1';
import type { ScheduledJob } from '../scheduled/run-jobs';

/**
 * The `rollup-backfill` job: counts into the daily rollups the emails (with their recipients and
 * events) an organisation had when org migration 0011 created them, 1,000 emails a batch within
 * its share of the invocation's D1 queries (`queries`) and 10 seconds, resuming where the last run stopped
 * (kuratchi-sdk: `runRollupBackfill`). Once every organisation is done a run is one query. An
 * organisation that could not be visited fails the run after the others.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export function rollupBackfillJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'rollup-backfill',
    queries: 60,
    run: async (now, share) => {
      const run = await runRollupBackfill({
        adminDb: env.ADMIN_DB,
        orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
        now,
        budget: { queries: share.queries, milliseconds: 10_000 },
      });
      if (run.failures.length)
        throw new Error(
          `the rollup backfill could not visit ${run.failures.length} organisation(s) (${run.visited} visited): ${run.failures.join('; ')}`,
        );
      return run;
    },
  };
}
