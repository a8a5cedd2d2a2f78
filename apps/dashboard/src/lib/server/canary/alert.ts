import { latestCanaryRuns, type CanaryRunReport } from 'kuratchi-sdk/internal/canary';
import type { AlertCondition } from '../alerts/condition';
import { formatLag } from '../../format';
import { canarySettings } from './settings';

/**
 * The `canary-late` alert: one incident while the latest decided canary run is late or could not
 * send (key `canary-late:<organisation>`, the same across late runs, so a run of late canaries is
 * one incident), cleared when a later run comes back in time. A run still waiting within its
 * deadline changes nothing. Nothing while the canary is off. An `AlertProvider` of the
 * alerts job (../alerts/providers.ts).
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function canaryAlertProvider(env: DashboardEnv): (now: Date) => Promise<AlertCondition[]> {
  return async (now) => {
    const settings = canarySettings(env);
    if (!settings.enabled) return [];
    const [latest] = await latestCanaryRuns(env.ADMIN_DB, 1, { decidedOnly: true });
    if (!latest || latest.status === 'passed') return [];
    return [lateCondition(latest, now)];
  };
}

function lateCondition(run: CanaryRunReport, now: Date): AlertCondition {
  const started = new Date(run.startedAt).toISOString();
  const title =
    run.status === 'send-failed'
      ? `Canary could not send (run ${run.id}, ${started})`
      : `Canary late: ${run.missing.length ? `${run.missing.join(', ')} not back` : 'events came back after the deadline'} ${formatLag(run.deadlineAt - run.startedAt)} after the send (run ${run.id}, ${started})`;
  const detail =
    run.status === 'send-failed'
      ? `${run.error ?? 'a canary email was not sent'}. Check KURATCHI_CANARY_FROM (a verified identity), the configuration set and the Worker's AWS credentials.`
      : `SES events of the mailbox simulator did not come back through SNS and the webhook in time (checked ${now.toISOString()}). ` +
        "Check the SNS subscription (kuratchi-ses status), the webhook's answers, the queue and the dead letters; run kuratchi-ses canary --wait to test again.";
  return {
    kind: 'canary-late',
    key: `canary-late:${run.organizationId}`,
    organizationId: null,
    severity: 'critical',
    title,
    detail,
  };
}
