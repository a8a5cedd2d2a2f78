import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { runRetentionPurge } from 'kuratchi-sdk/internal/retention';
import type { ScheduledJob } from '../scheduled/run-jobs';
import { readRetentionSettings } from './settings';

/**
 * The `retention-purge` job: deletes what each organisation keeps no longer (its override, else
 * `KURATCHI_RETENTION_*`), within 300 of the invocation's 1,000 D1 queries and 10 seconds; the
 * next run resumes with the organisations this one did not reach (kuratchi-sdk:
 * `runRetentionPurge`). An organisation that could not be purged fails the run after the others.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export function retentionPurgeJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'retention-purge',
    run: async (now) => {
      const run = await runRetentionPurge({
        adminDb: env.ADMIN_DB,
        orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
        defaults: readRetentionSettings(env),
        now,
      });
      if (run.failures.length)
        throw new Error(
          `the retention purge could not purge ${run.failures.length} organisation(s) (${run.visited} purged): ${run.failures.join('; ')}`,
        );
      return run;
    },
  };
}
