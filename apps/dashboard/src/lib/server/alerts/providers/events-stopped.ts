import { createD1EmailQueries, createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { listOrganizations } from '../../auth/users';
import { readConfig } from '../../config';
import { eventsStoppedWarning } from '../../health';
import type { AlertCondition, AlertProvider } from '../condition';

/**
 * `events-stopped`, per organisation: emails were sent more than `KURATCHI_INGESTION_STALE_MINUTES` ago
 * and no SES event has arrived since (the health panel's warning, {@link eventsStoppedWarning}).
 * The key names the first send left without events, so the incident lasts until an event arrives.
 * An organisation whose database cannot be read keeps its incident as it is (an unknown key).
 */
export function eventsStoppedAlertProvider(env: DashboardEnv): AlertProvider {
  return async (now) => {
    const staleMinutes = readConfig(env).ingestionStaleMinutes;
    const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env);
    const conditions: AlertCondition[] = [];
    const unknownKeys: string[] = [];
    for (const org of await listOrganizations(env.ADMIN_DB)) {
      const key = `events-stopped:${org.id}`;
      try {
        const activity = await createD1EmailQueries(await orgDatabase(org.id)).ingestionActivity();
        if (activity.oldestUnfollowedSendAt === null) continue;
        if (!eventsStoppedWarning(activity, staleMinutes, now.getTime())) continue;
        conditions.push({
          kind: 'events-stopped',
          key,
          organizationId: org.id,
          severity: 'critical',
          title: `${org.name}: no SES event has arrived since emails were sent at ${new Date(activity.oldestUnfollowedSendAt).toISOString()}`,
          detail:
            `Sending goes on but nothing comes back (limit ${staleMinutes} min). Check the SNS subscription ` +
            "(kuratchi-ses status), the webhook's answers and the ingestion health panel.",
        });
      } catch {
        unknownKeys.push(key);
      }
    }
    return { conditions, unknownKeys };
  };
}
