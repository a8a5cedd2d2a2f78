import { createD1RetentionLookup } from 'kuratchi-sdk/internal/retention';
import { readRetentionSettings } from './settings';

/**
 * Each organisation's retention cutoffs (its override, else `KURATCHI_RETENTION_*`, read when
 * first needed), for the event sink (events of purged mail are `expired`) and the rebuild.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function retentionLookup(env: DashboardEnv) {
  return createD1RetentionLookup(env.ADMIN_DB, () => readRetentionSettings(env));
}
