import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { runRetentionPurge } from 'kuratchi-sdk/internal/retention';
import type { ScheduledJob } from '../scheduled/run-jobs';
import { readRetentionSettings } from './settings';

/** Wall-clock milliseconds the purge may use: no new slice starts after them. */
const PURGE_MILLISECONDS = 10_000;

/**
 * The `retention-purge` job: deletes what each organisation keeps no longer (its override, else
 * `KURATCHI_RETENTION_*`), with every query the jobs after it leave (at least `queries`: see
 * docs/capacity.md) and 10 seconds; the next run resumes with the organisations this one did not
 * reach (kuratchi-sdk: `runRetentionPurge`). An organisation that could not be purged fails the
 * run after the others.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/workers/platform/limits/#cpu-time
 */
export function retentionPurgeJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'retention-purge',
    queries: 120,
    rest: true,
    run: async (now, share) => {
      const run = await runRetentionPurge({
        adminDb: env.ADMIN_DB,
        orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
        defaults: readRetentionSettings(env),
        now,
        budget: { queries: share.queries, milliseconds: PURGE_MILLISECONDS },
      });
      if (run.failures.length)
        throw new Error(
          `the retention purge could not purge ${run.failures.length} organisation(s) (${run.visited} purged): ${run.failures.join('; ')}`,
        );
      return run;
    },
  };
}
