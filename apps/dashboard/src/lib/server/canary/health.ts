import { latestCanaryRuns, type CanaryRunReport } from 'kuratchi-sdk/internal/canary';
import { ConfigError } from '../config';
import { canarySettings, type CanarySettings } from './settings';

/** The canary section of the health panel. */
export type CanaryHealth =
  | { enabled: false; reason: string; last: CanaryRunReport | null }
  | {
      enabled: true;
      /** The latest run (waiting or decided), or null before the first. */
      last: CanaryRunReport | null;
      /** Set while the latest decided run is late or could not send (what the canary-late alert says). */
      late: CanaryRunReport | null;
      intervalMinutes: number;
    };

/**
 * The health panel's canary: the latest run (when, each expected event back or not with its
 * end-to-end lag) and whether the latest decided run was late. Deployment-wide: the canary tests
 * the path every organisation's events take (SES, SNS, the webhook, the queue), so every
 * organisation's overview shows it; no canary email of another organisation is listed.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export async function canaryHealth(env: DashboardEnv): Promise<CanaryHealth> {
  let settings: CanarySettings;
  try {
    settings = canarySettings(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    settings = { enabled: false, reason: error.message };
  }
  const [last] = await latestCanaryRuns(env.ADMIN_DB, 1);
  if (!settings.enabled) return { enabled: false, reason: settings.reason, last: last ?? null };
  const [decided] =
    last && last.status !== 'waiting' ? [last] : await latestCanaryRuns(env.ADMIN_DB, 1, { decidedOnly: true });
  return {
    enabled: true,
    last: last ?? null,
    late: decided && decided.status !== 'passed' ? decided : null,
    intervalMinutes: settings.intervalMs / 60_000,
  };
}
