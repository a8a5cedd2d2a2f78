import type { ScheduledJob } from '../scheduled/run-jobs';
import { runReconciliation } from './run';

/** The cron's interval (wrangler.toml `*\/10 * * * *`): which organisation goes first rotates by it. */
const CRON_INTERVAL_MS = 10 * 60_000;

/**
 * The scheduled job `reconcile`: one reconciliation run over every organisation at each cron
 * invocation (the back-off lives in each organisation's `email_reconciliation` table, so running
 * often asks nothing twice). Its log line carries the run's status (`done`, `not-configured`,
 * `vdm-off`, `off`), its message, the totals and each organisation that failed.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export function reconcileJob(env: DashboardEnv): ScheduledJob {
  return {
    name: 'reconcile',
    queries: 30,
    run: async (now) => {
      const run = await runReconciliation(env, { now, rotation: Math.floor(now.getTime() / CRON_INTERVAL_MS) });
      const failed = run.organizations.filter((o) => o.status === 'failed');
      const throttled = run.organizations.some((o) => o.status === 'throttled');
      return {
        status: run.status,
        ...(run.message ? { message: run.message } : {}),
        ...run.totals,
        ...(throttled ? { throttled: true } : {}),
        ...(failed.length ? { failures: failed } : {}),
      };
    },
  };
}
