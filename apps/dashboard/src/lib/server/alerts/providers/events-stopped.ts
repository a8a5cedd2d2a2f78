import { createD1EmailQueries, openOrgDatabase, type OrgDatabaseKind } from 'kuratchi-sdk/internal/d1';
import { readConfig } from '../../config';
import { eventsStoppedWarning } from '../../health';
import type { AlertCondition, AlertProvider } from '../condition';

/**
 * Organisations whose database `events-stopped` reads per cron run (one call each), in id order
 * after where the last run stopped (admin table `alert_scan_cursor`): with more organisations, each
 * is checked every ⌈organisations / 20⌉ runs, and the alerts job stays within its share of the
 * invocation's D1 queries (../../scheduled/jobs.ts).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const EVENTS_STOPPED_PER_RUN = 20;

const PROVIDER = 'events-stopped';

interface OrganizationRow {
  id: string;
  name: string;
  kind: OrgDatabaseKind;
  binding: string;
}

/**
 * `events-stopped`, per organisation: emails were sent more than `KURATCHI_INGESTION_STALE_MINUTES` ago
 * and no SES event has arrived since (the health panel's warning, {@link eventsStoppedWarning}).
 * The key names the first send left without events, so the incident lasts until an event arrives.
 * Each run reads the next {@link EVENTS_STOPPED_PER_RUN} organisations' databases; the others', and
 * one whose database cannot be read, keep their incidents as they are (unknown keys).
 */
export function eventsStoppedAlertProvider(env: DashboardEnv): AlertProvider {
  return async (now) => {
    const staleMinutes = readConfig(env).ingestionStaleMinutes;
    const admin = env.ADMIN_DB;
    const [listed, cursor] = await admin.batch([
      admin.prepare(
        `SELECT id, name, database_kind AS kind, database_binding AS binding FROM organizations
         WHERE removed_at IS NULL ORDER BY id`,
      ),
      admin.prepare('SELECT after_organization_id AS after FROM alert_scan_cursor WHERE provider = ?').bind(PROVIDER),
    ]);
    const organizations = listed!.results as unknown as OrganizationRow[];
    const after = (cursor!.results[0] as { after: string } | undefined)?.after ?? '';
    const from = Math.max(
      0,
      organizations.findIndex((o) => o.id > after),
    );
    const slice = [...organizations.slice(from), ...organizations.slice(0, from)].slice(0, EVENTS_STOPPED_PER_RUN);
    const checked = new Set(slice.map((o) => o.id));
    const conditions: AlertCondition[] = [];
    const unknownKeys = organizations.filter((o) => !checked.has(o.id)).map((o) => `${PROVIDER}:${o.id}`);
    for (const org of slice) {
      const key = `${PROVIDER}:${org.id}`;
      try {
        const db = openOrgDatabase(env as never, org.id, { kind: org.kind, binding: org.binding, movingSince: null });
        const activity = await createD1EmailQueries(db).ingestionActivity();
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
    const last = slice.at(-1);
    if (last && slice.length < organizations.length) {
      // Past the last organisation in id order, the next run starts again from the first.
      const next = organizations.indexOf(last) === organizations.length - 1 ? '' : last.id;
      await admin
        .prepare(
          `INSERT INTO alert_scan_cursor (provider, after_organization_id, updated_at) VALUES (?1, ?2, ?3)
           ON CONFLICT (provider) DO UPDATE SET after_organization_id = excluded.after_organization_id, updated_at = excluded.updated_at`,
        )
        .bind(PROVIDER, next, now.getTime())
        .run();
    }
    return { conditions, unknownKeys };
  };
}
