import { checkWaitingCanaryRuns, latestCanaryRuns, startCanaryRun } from 'kuratchi-sdk/internal/canary';
import { canaryReadConfig, canarySettings } from './settings';

/** Slack for the cron's own timing: a run due at 11:00 still starts at a trigger a little early. */
const TRIGGER_SLACK_MS = 60_000;

/**
 * The `canary` scheduled job as of `now`: brings the waiting runs up to date (their events'
 * arrivals, late once past their deadline), then starts a run when the last one started at least
 * `KURATCHI_CANARY_INTERVAL_MINUTES` ago (the cron runs every 10 minutes; the interval is read from the
 * stored runs, not from the cron string). Off (and saying why) without KURATCHI_CANARY_ORGANIZATION_ID
 * or AWS credentials.
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export async function runCanaryJob(env: DashboardEnv, now: Date): Promise<object> {
  const settings = canarySettings(env);
  if (!settings.enabled) return { skipped: settings.reason };
  const checked = await checkWaitingCanaryRuns(canaryReadConfig(env), now);
  const [latest] = await latestCanaryRuns(env.ADMIN_DB, 1);
  const due = !latest || now.getTime() - latest.startedAt >= settings.intervalMs - TRIGGER_SLACK_MS;
  const started = due ? await startCanaryRun(settings.run, now, 'scheduled') : null;
  return {
    checked: checked.length,
    passed: checked.filter((r) => r.status === 'passed').map((r) => r.id),
    late: checked.filter((r) => r.status === 'late').map((r) => r.id),
    started: started
      ? { id: started.id, status: started.status, ...(started.error ? { error: started.error } : {}) }
      : null,
  };
}
