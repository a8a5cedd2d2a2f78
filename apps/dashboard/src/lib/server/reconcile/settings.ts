import { DEFAULT_RECONCILE_SETTINGS, type ReconcileSettings } from 'kuratchi-sdk/internal/reconcile';
import { readSettings } from '../settings/read';

export { RECONCILE_MAX_PER_RUN_LIMIT } from '../settings/registry';

const HOUR_MS = 3_600_000;

/**
 * The reconciliation settings: the registry's reconcile section (`KURATCHI_RECONCILE_*`), each
 * defaulting to the SDK's (4 h, 50 per run, again after 6 h, given up after 72 h).
 * `KURATCHI_RECONCILE_MAX_PER_RUN=0` turns the scheduled job off.
 * @throws {ConfigError} naming every bad reconcile variable.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export function readReconcileSettings(env: DashboardEnv): ReconcileSettings {
  const e = readSettings(env, 'reconcile');
  return {
    ...DEFAULT_RECONCILE_SETTINGS,
    afterMs: e.KURATCHI_RECONCILE_AFTER_HOURS * HOUR_MS,
    maxPerRun: e.KURATCHI_RECONCILE_MAX_PER_RUN,
    retryAfterMs: e.KURATCHI_RECONCILE_RETRY_HOURS * HOUR_MS,
    giveUpAfterMs: e.KURATCHI_RECONCILE_GIVE_UP_HOURS * HOUR_MS,
  };
}
