import type { CanaryConfig } from 'kuratchi-sdk/internal/canary';
import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';

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

/**
 * The canary's settings: the registry's canary section (`KURATCHI_CANARY_*`; without
 * `KURATCHI_CANARY_ORGANIZATION_ID` the canary is off) and the Worker's own AWS credentials
 * (`readConfig(env).ses`; without them the canary is off).
 * @throws {ConfigError} naming every bad canary (or AWS) variable.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export function canarySettings(env: DashboardEnv): CanarySettings {
  const canary = readSettings(env, 'canary');
  const { KURATCHI_CANARY_ORGANIZATION_ID: organizationId, KURATCHI_CANARY_FROM: from } = canary;
  if (!organizationId || !from)
    return {
      enabled: false,
      reason:
        'not configured: set KURATCHI_CANARY_ORGANIZATION_ID (the organisation whose database holds the canary emails) and KURATCHI_CANARY_FROM',
    };
  const ses = readConfig(env).ses;
  if (!ses)
    return {
      enabled: false,
      reason:
        'not configured: the Worker has no AWS credentials (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    };
  const configurationSetName = canary.KURATCHI_CANARY_CONFIGURATION_SET;
  return {
    enabled: true,
    intervalMs: canary.KURATCHI_CANARY_INTERVAL_MINUTES * 60_000,
    run: {
      ses,
      ...canaryReadConfig(env),
      organizationId,
      from,
      deadlineMs: canary.KURATCHI_CANARY_DEADLINE_MINUTES * 60_000,
      ...(configurationSetName ? { configurationSetName } : {}),
    },
  };
}

/** What reading runs needs (no AWS): the admin database and the organisations' databases. */
export function canaryReadConfig(env: DashboardEnv) {
  return { adminDb: env.ADMIN_DB, orgDatabase: createOrgDatabaseClient(env.ADMIN_DB, env) };
}
