import { DEFAULT_CANARY_DEADLINE_MS, type CanaryConfig } from 'kuratchi-sdk/email/canary';
import { createOrgDatabaseClient } from 'kuratchi-sdk/email/d1';
import { z } from 'zod';
import { ConfigError, readConfig } from '../config';

/** The canary's settings, or why it is off. */
export type CanarySettings =
  | {
      enabled: true;
      /** What `startCanaryRun` needs (the Worker's own SES client, its databases, the sender). */
      run: CanaryConfig;
      /** How often the scheduled job starts a run. */
      intervalMs: number;
    }
  | { enabled: false; reason: string };

const schema = z.object({
  SES_CANARY_ORGANIZATION_ID: z.string().min(1).optional(),
  SES_CANARY_FROM: z.email('must be an email address (a verified SES identity)').optional(),
  SES_CANARY_INTERVAL_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(10, "must be at least 10 (the cron's period)")
    .default(60),
  SES_CANARY_DEADLINE_MINUTES: z.coerce
    .number()
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1')
    .max(24 * 60, 'must be at most a day')
    .default(DEFAULT_CANARY_DEADLINE_MS / 60_000),
  SES_CANARY_CONFIGURATION_SET: z.string().min(1).optional(),
});

/**
 * The canary's settings from the Worker env: `SES_CANARY_ORGANIZATION_ID` (the organisation whose
 * database holds the canary emails; unset: the canary is off), `SES_CANARY_FROM` (a verified SES
 * identity, required with it), `SES_CANARY_INTERVAL_MINUTES` (default 60),
 * `SES_CANARY_DEADLINE_MINUTES` (default 15), `SES_CANARY_CONFIGURATION_SET` (default sendEmail's),
 * and the Worker's own AWS credentials (`readConfig(env).ses`; without them the canary is off).
 * @throws {ConfigError} naming a variable that is set but invalid, or SES_CANARY_FROM missing.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function canarySettings(env: DashboardEnv): CanarySettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      `invalid canary configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  const { SES_CANARY_ORGANIZATION_ID: organizationId, SES_CANARY_FROM: from } = parsed.data;
  if (!organizationId)
    return {
      enabled: false,
      reason:
        'not configured: set SES_CANARY_ORGANIZATION_ID (the organisation whose database holds the canary emails) and SES_CANARY_FROM',
    };
  if (!from)
    throw new ConfigError('invalid canary configuration: SES_CANARY_FROM is required with SES_CANARY_ORGANIZATION_ID');
  const ses = readConfig(env).ses;
  if (!ses)
    return {
      enabled: false,
      reason:
        'not configured: the Worker has no AWS credentials (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    };
  return {
    enabled: true,
    intervalMs: parsed.data.SES_CANARY_INTERVAL_MINUTES * 60_000,
    run: {
      ses,
      adminDb: env.ADMIN_DB,
      orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env),
      organizationId,
      from,
      deadlineMs: parsed.data.SES_CANARY_DEADLINE_MINUTES * 60_000,
      ...(parsed.data.SES_CANARY_CONFIGURATION_SET
        ? { configurationSetName: parsed.data.SES_CANARY_CONFIGURATION_SET }
        : {}),
    },
  };
}

/** What reading runs needs (no AWS): the admin database and the organisations' databases. */
export function canaryReadConfig(env: DashboardEnv) {
  return { adminDb: env.ADMIN_DB, orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env) };
}
