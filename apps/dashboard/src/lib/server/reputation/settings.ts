import {
  InvalidOptionsError,
  parseReputationGuardSettings,
  type ReputationGuardSettings,
} from 'kuratchi-sdk/email/guard';
import { z } from 'zod';
import { ConfigError } from '../config';

/** The env variables of the guard and the setting each one fills (thresholds in percent). */
const VARIABLES = {
  REPUTATION_WINDOW_DAYS: 'windowDays',
  REPUTATION_MIN_RECIPIENTS: 'minRecipients',
  REPUTATION_BOUNCE_WARN_PERCENT: 'thresholds.bounce.warn',
  REPUTATION_BOUNCE_PAUSE_PERCENT: 'thresholds.bounce.pause',
  REPUTATION_COMPLAINT_WARN_PERCENT: 'thresholds.complaint.warn',
  REPUTATION_COMPLAINT_PAUSE_PERCENT: 'thresholds.complaint.pause',
} as const;

const number = z.coerce.number({ error: 'must be a number' }).optional();
const schema = z.object(Object.fromEntries(Object.keys(VARIABLES).map((name) => [name, number])));

const cache = new WeakMap<object, ReputationGuardSettings>();

/**
 * The reputation guard's settings from the Worker env, validated once per env: `REPUTATION_*`
 * variables, thresholds in percent (`REPUTATION_BOUNCE_PAUSE_PERCENT=4`), each below SES's review
 * level (5 % bounce, 0.1 % complaint), warn below pause; unset ones take the SDK's defaults.
 * @throws {ConfigError} naming each invalid variable.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export function readReputationSettings(env: DashboardEnv): ReputationGuardSettings {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid reputation guard configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  }
  const v = parsed.data as Record<keyof typeof VARIABLES, number | undefined>;
  const fraction = (percent: number | undefined) => (percent === undefined ? undefined : percent / 100);
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
  try {
    const settings = parseReputationGuardSettings({
      ...defined({ windowDays: v.REPUTATION_WINDOW_DAYS, minRecipients: v.REPUTATION_MIN_RECIPIENTS }),
      thresholds: {
        bounce: defined({
          warn: fraction(v.REPUTATION_BOUNCE_WARN_PERCENT),
          pause: fraction(v.REPUTATION_BOUNCE_PAUSE_PERCENT),
        }),
        complaint: defined({
          warn: fraction(v.REPUTATION_COMPLAINT_WARN_PERCENT),
          pause: fraction(v.REPUTATION_COMPLAINT_PAUSE_PERCENT),
        }),
      },
    });
    cache.set(env, settings);
    return settings;
  } catch (error) {
    if (!(error instanceof InvalidOptionsError)) throw error;
    const byPath = Object.fromEntries(Object.entries(VARIABLES).map(([name, path]) => [path, name]));
    const problems = error.issues.map((issue) => {
      const name =
        byPath[issue.path] ?? `${byPath[`${issue.path}.warn`] ?? issue.path} / ${byPath[`${issue.path}.pause`] ?? ''}`;
      return `${name} ${issue.message.replace(/ \(a fraction: 0\.02 is 2 %\)/, '')}`;
    });
    throw new ConfigError(`invalid reputation guard configuration: ${problems.join('; ')}`);
  }
}
