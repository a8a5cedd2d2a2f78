import type { RetentionPolicy } from 'kuratchi-sdk/internal/retention';
import { readSettings } from '../settings/read';

/** The deployment's retention: the registry's retention section (`KURATCHI_RETENTION_*`). */
export interface RetentionSettings extends RetentionPolicy {
  /** Days the R2 lifecycle rule of `sns/` keeps archived SNS messages: organisations without archive days of their own. */
  archiveDays: number;
}

/**
 * The deployment's retention defaults (each 1 to 3,650 days, events no longer than emails).
 * @throws {ConfigError} naming every bad retention variable.
 */
export function readRetentionSettings(env: DashboardEnv): RetentionSettings {
  const values = readSettings(env, 'retention');
  return {
    eventsDays: values.KURATCHI_RETENTION_EVENTS_DAYS,
    emailsDays: values.KURATCHI_RETENTION_EMAILS_DAYS,
    archiveDays: values.KURATCHI_RETENTION_ARCHIVE_DAYS,
  };
}
