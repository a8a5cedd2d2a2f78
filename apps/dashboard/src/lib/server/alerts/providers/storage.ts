import { DATABASE_SIZE_LIMIT_BYTES } from 'kuratchi-sdk/internal/d1';
import { readOrganizationStorage, STORAGE_CRITICAL_FRACTION, STORAGE_WARN_FRACTION } from '../../bounds/storage';
import type { AlertCondition, AlertProvider } from '../condition';

const gb = (bytes: number) => `${+(bytes / 1000 ** 3).toFixed(2)} GB`;

/**
 * `storage`, per organisation: its database, as last measured by the `storage-measure` job,
 * holds {@link STORAGE_WARN_FRACTION} of the 10 GB a D1 database or a Durable Object may hold
 * (warning: before it reaches 80 %), or {@link STORAGE_CRITICAL_FRACTION} (critical, a new
 * incident). Cleared when a measurement finds it below again (retention purged, or moved).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export function storageAlertProvider(env: DashboardEnv): AlertProvider {
  return async () => {
    const conditions: AlertCondition[] = [];
    for (const s of Object.values(await readOrganizationStorage(env.ADMIN_DB))) {
      if (s.fractionOfLimit < STORAGE_WARN_FRACTION) continue;
      const critical = s.fractionOfLimit >= STORAGE_CRITICAL_FRACTION;
      conditions.push({
        kind: 'storage',
        key: `storage-${critical ? 'critical' : 'warn'}:${s.organizationId}`,
        organizationId: s.organizationId,
        severity: critical ? 'critical' : 'warning',
        title: `${s.organizationId}: its database holds ${gb(s.databaseBytes ?? 0)} of ${gb(DATABASE_SIZE_LIMIT_BYTES)} (${Math.floor(s.fractionOfLimit * 100)} %)`,
        detail:
          'Writes fail at the limit. Shorten its retention, or move its mail out; sizes and rows per ' +
          'organisation are on the Organisations page (docs/table-bounds.md).',
      });
    }
    return conditions;
  };
}
