import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { runExportJobs } from 'kuratchi-sdk/internal/reconcile';
import { readConfig } from '../config';
import { d1EventSink } from '../event-sink';
import type { ScheduledJob } from '../scheduled/run-jobs';
import { readSettings } from '../settings/read';
import { RECONCILE_NOT_CONFIGURED } from './run';
import { readReconcileSettings } from './settings';

/**
 * The scheduled job `reconcile-export`: bulk reconciliation (kuratchi-sdk `runExportJobs`), off
 * until KURATCHI_RECONCILE_EXPORT_S3_URL names the bucket and prefix SES writes the exports to.
 * Each run creates the export job of the UTC day that ended KURATCHI_RECONCILE_AFTER_HOURS ago
 * (once), polls the jobs under way and imports a bounded page of a finished one; its state lives
 * in the admin table `reconcile_export_jobs`. Its log line carries `status` (`done`, `off`,
 * `not-configured`) and the run's figures.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_CreateExportJob.html
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export function reconcileExportJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'reconcile-export',
    queries: 25,
    run: async (now) => {
      const destination = readSettings(env, 'reconcile').KURATCHI_RECONCILE_EXPORT_S3_URL;
      if (!destination) return { status: 'off' };
      const config = readConfig(env);
      if (!config.ses) return { status: 'not-configured', message: RECONCILE_NOT_CONFIGURED };
      const report = await runExportJobs(
        {
          ses: config.ses,
          adminDb: env.ADMIN_DB,
          sink: d1EventSink(env, config),
          orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
          destination,
          afterMs: readReconcileSettings(env).afterMs,
        },
        now,
      );
      return { status: 'done', ...report };
    },
  };
}
