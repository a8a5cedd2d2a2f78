import { DEFAULT_RECONCILE_SETTINGS, type ReconcileSettings } from 'kuratchi-sdk/email/reconcile';
import { z } from 'zod';
import { ConfigError } from '../config';

const HOUR_MS = 3_600_000;

/**
 * Most emails one run may ask about. GetMessageInsights allows one call a second, and a cron
 * invocation has at most 15 minutes of wall time: 300 leaves room for the other jobs.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://developers.cloudflare.com/workers/platform/limits/#duration
 */
export const RECONCILE_MAX_PER_RUN_LIMIT = 300;

const hours = (what: string) => z.coerce.number().positive(`must be a positive number of hours (${what})`);

const schema = z
  .object({
    SES_RECONCILE_AFTER_HOURS: hours('ask about emails sent more than this long ago').default(
      DEFAULT_RECONCILE_SETTINGS.afterMs / HOUR_MS,
    ),
    SES_RECONCILE_MAX_PER_RUN: z.coerce
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more')
      .max(RECONCILE_MAX_PER_RUN_LIMIT, `must be at most ${RECONCILE_MAX_PER_RUN_LIMIT} (one call a second)`)
      .default(DEFAULT_RECONCILE_SETTINGS.maxPerRun),
    SES_RECONCILE_RETRY_HOURS: hours('ask again after').default(DEFAULT_RECONCILE_SETTINGS.retryAfterMs / HOUR_MS),
    SES_RECONCILE_GIVE_UP_HOURS: hours('give up after').default(DEFAULT_RECONCILE_SETTINGS.giveUpAfterMs / HOUR_MS),
  })
  .refine((env) => env.SES_RECONCILE_GIVE_UP_HOURS >= env.SES_RECONCILE_RETRY_HOURS, {
    path: ['SES_RECONCILE_GIVE_UP_HOURS'],
    message: 'must be at least SES_RECONCILE_RETRY_HOURS',
  });

/**
 * The reconciliation settings of the Worker env (`SES_RECONCILE_*`), each defaulting to the
 * SDK's (4 h, 50 per run, again after 6 h, given up after 72 h). `SES_RECONCILE_MAX_PER_RUN=0`
 * turns the scheduled job off.
 * @throws {ConfigError} naming each invalid variable.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export function readReconcileSettings(env: DashboardEnv): ReconcileSettings {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid reconciliation configuration: ${problems.join('; ')}`);
  }
  const e = result.data;
  return {
    ...DEFAULT_RECONCILE_SETTINGS,
    afterMs: e.SES_RECONCILE_AFTER_HOURS * HOUR_MS,
    maxPerRun: e.SES_RECONCILE_MAX_PER_RUN,
    retryAfterMs: e.SES_RECONCILE_RETRY_HOURS * HOUR_MS,
    giveUpAfterMs: e.SES_RECONCILE_GIVE_UP_HOURS * HOUR_MS,
  };
}
