import type { ReputationGuardSettings } from 'kuratchi-sdk/internal/guard';
import { readSettings } from '../settings/read';
import { guardSettingsOf } from '../settings/sections';

/**
 * The reputation guard's settings: the registry's guard section (`KURATCHI_GUARD_*`, thresholds
 * in percent: `KURATCHI_GUARD_BOUNCE_PAUSE_PERCENT=4`), through the SDK's rules (each below SES's
 * review level of 5 % bounce, 0.1 % complaint; warn below pause); unset ones take the SDK's defaults.
 * @throws {ConfigError} naming every bad guard variable.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export function readReputationSettings(env: DashboardEnv): ReputationGuardSettings {
  return guardSettingsOf(readSettings(env, 'guard'));
}
