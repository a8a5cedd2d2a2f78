import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { syncTenantSuppressions, type TenantSuppressionSyncReport } from 'kuratchi-sdk/internal/send';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';
import type { ScheduledJob } from '../scheduled/run-jobs';

/**
 * The scheduled job `suppression-sync`: with `KURATCHI_SES_TENANTS=on` and AWS credentials, each
 * organisation's suppression list and its SES tenant's list are brought into agreement, a few
 * pages and changes per run (kuratchi-sdk: syncTenantSuppressions). What fails (a tenant not created
 * yet, throttling) is recorded in the organisation's database and retried at the next run; the run
 * itself lists the failures in its log line rather than failing, since a new organisation's tenant
 * may legitimately not exist yet.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-tenant-level-manage.html
 */
export function suppressionSyncJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'suppression-sync',
    queries: 20,
    run: async (now) => {
      const ses = readConfig(env).ses;
      if (readSettings(env, 'aws').KURATCHI_SES_TENANTS !== 'on') return { status: 'off' };
      if (!ses) return { status: 'not-configured' };
      const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env);
      const { results } = await env.ADMIN_DB.prepare(
        'SELECT id FROM organizations WHERE removed_at IS NULL ORDER BY id',
      ).all<{ id: string }>();
      const reports: TenantSuppressionSyncReport[] = [];
      const failures: string[] = [];
      for (const { id } of results) {
        try {
          const report = await syncTenantSuppressions({ db: await orgDatabase(id), organizationId: id, ses, now });
          reports.push(report);
          if (report.error) failures.push(`${id}: ${report.error}`);
        } catch (error) {
          failures.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const sum = (key: 'seen' | 'removedHere' | 'pushed' | 'failed') => reports.reduce((n, r) => n + r[key], 0);
      return {
        status: 'done',
        organizations: results.length,
        seen: sum('seen'),
        removedHere: sum('removedHere'),
        pushed: sum('pushed'),
        failedChanges: sum('failed'),
        ...(failures.length ? { failures } : {}),
      };
    },
  };
}
