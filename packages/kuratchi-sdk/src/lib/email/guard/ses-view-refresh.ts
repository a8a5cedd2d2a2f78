import type { D1Database } from '@cloudflare/workers-types';
import { ListReputationEntitiesCommand, type Recommendation, type ReputationEntity } from '@aws-sdk/client-sesv2';
import { resolveSesClient, type SesClientInput } from '../ses/client.js';
import { createD1TenantStore, type TenantSendingStatus } from '../tenants/d1-tenant-store.js';
import { createD1SesViewStore } from './d1-ses-view-store.js';
import {
  listRecommendations,
  organizationIdOfEntity,
  readSesReputationView,
  sesReputationView,
  type SesReputationView,
} from './ses-view.js';

const DAY_MS = 86_400_000;
const SENDING_STATUSES: readonly string[] = ['ENABLED', 'REINSTATED', 'DISABLED'] satisfies TenantSendingStatus[];

/**
 * Hands SES's sending status of each view to the organisation's tenant row, so `sendEmail`
 * refuses while SES says the tenant is disabled, whichever side disabled it (and sends again
 * once SES says otherwise).
 */
async function recordTenantStatuses(adminDb: D1Database, views: readonly SesReputationView[], now: number) {
  const tenants = createD1TenantStore(adminDb);
  for (const view of views) {
    if (view.sendingStatus !== null && SENDING_STATUSES.includes(view.sendingStatus)) {
      await tenants.recordSendingStatus(view.organizationId, view.sendingStatus as TenantSendingStatus, now);
    }
  }
}

/** What a re-read of some tenants did. */
export interface SesViewRereads {
  /** Organisations whose view was read and stored. */
  read: string[];
  /** Organisations SES has no tenant for (NotFound): their view was removed. */
  removed: string[];
  /** Organisations whose re-read failed, with the error: recorded, retried by the cron. */
  failed: string[];
  /** Entity references no organisation stands for (not a tenant, or no such organisation): ignored. */
  ignored: string[];
}

/**
 * Re-reads SES's view of the tenants named by reputation entity references (a status event's
 * `resources`): each reference maps to an organisation by a stored view with that reference, else
 * by the tenant name in it (`organizationIdOfEntity`), and is read from SES (GetReputationEntity,
 * its findings). Nothing of the event is stored: only what SES answers. A failed read is recorded
 * as owed (`reread_due_at`) for the cron to retry; NotFound removes the view (no tenant).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetReputationEntity.html
 */
export async function rereadSesViews(options: {
  adminDb: D1Database;
  ses: SesClientInput;
  entityArns: readonly string[];
  now: Date;
}): Promise<SesViewRereads> {
  const store = createD1SesViewStore(options.adminDb);
  const byArn = new Map((await store.list()).map((v) => [v.entityArn, v.organizationId]));
  const known = new Set(
    (
      await options.adminDb.prepare('SELECT id FROM organizations WHERE removed_at IS NULL').all<{ id: string }>()
    ).results.map((r) => r.id),
  );
  const result: SesViewRereads = { read: [], removed: [], failed: [], ignored: [] };
  for (const arn of new Set(options.entityArns)) {
    const organizationId = byArn.get(arn) ?? organizationIdOfEntity(arn);
    if (!organizationId || !known.has(organizationId)) {
      result.ignored.push(arn);
      continue;
    }
    try {
      const view = await readSesReputationView(options.ses, organizationId, arn, options.now);
      if (view) {
        await store.save(view);
        await recordTenantStatuses(options.adminDb, [view], options.now.getTime());
        result.read.push(organizationId);
      } else {
        await store.remove(organizationId);
        result.removed.push(organizationId);
      }
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      await store.owe(organizationId, arn, options.now.getTime(), text);
      result.failed.push(`${organizationId}: ${text}`);
    }
  }
  return result;
}

/**
 * The sweep: every reputation entity of the account and region (ListReputationEntities, every
 * page), the open findings once for all (ListRecommendations with STATUS OPEN, every page, only
 * when an entity reports an impact), grouped by the resource they are about. The tenants of known
 * organisations replace every stored view in one batch (an organisation SES did not list has no
 * tenant). The safety net of the status events, which EventBridge delivers on a best-effort basis.
 * A failure is recorded (a sweep owed, with the error: the cron's next run sweeps again) and rethrown.
 * @returns the views stored.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListReputationEntities.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-ses.html (best effort)
 */
export async function sweepSesViews(options: {
  adminDb: D1Database;
  ses: SesClientInput;
  now: Date;
}): Promise<SesReputationView[]> {
  try {
    return await sweepOnce(options);
  } catch (error) {
    await createD1SesViewStore(options.adminDb).oweSweep(
      options.now.getTime(),
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    );
    throw error;
  }
}

async function sweepOnce(options: {
  adminDb: D1Database;
  ses: SesClientInput;
  now: Date;
}): Promise<SesReputationView[]> {
  const client = resolveSesClient(options.ses);
  const entities: ReputationEntity[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListReputationEntitiesCommand({ PageSize: 100, NextToken: token }));
    entities.push(...(page.ReputationEntities ?? []));
    token = page.NextToken;
  } while (token);
  const known = new Set(
    (
      await options.adminDb.prepare('SELECT id FROM organizations WHERE removed_at IS NULL').all<{ id: string }>()
    ).results.map((r) => r.id),
  );
  const tenants = entities.flatMap((entity) => {
    const organizationId = organizationIdOfEntity(entity.ReputationEntityReference ?? '');
    return organizationId && known.has(organizationId) ? [{ organizationId, entity }] : [];
  });
  const findings = new Map<string, Recommendation[]>();
  if (tenants.some((t) => t.entity.ReputationImpact)) {
    for (const r of await listRecommendations(options.ses, { STATUS: 'OPEN' })) {
      findings.set(r.ResourceArn ?? '', [...(findings.get(r.ResourceArn ?? '') ?? []), r]);
    }
  }
  const now = options.now.getTime();
  const views = tenants.map(({ organizationId, entity }) =>
    sesReputationView(organizationId, entity, findings.get(entity.ReputationEntityReference!) ?? [], now),
  );
  await createD1SesViewStore(options.adminDb).replaceAll(views, now);
  await recordTenantStatuses(options.adminDb, views, now);
  return views;
}

/** What one run of {@link refreshSesViews} did (the cron's log line). */
export interface SesViewRefresh {
  /** Owed re-reads retried. */
  rereads: SesViewRereads;
  /** Tenants the sweep stored, or null when no sweep was due. */
  swept: number | null;
}

/**
 * The cron's part: retries every owed re-read, then sweeps when the last complete sweep is a day
 * old, or there was none, or one is owed (a failure, an event naming no known tenant). A failed
 * sweep is recorded and thrown (the job's run fails, and the next run sweeps again).
 */
export async function refreshSesViews(options: {
  adminDb: D1Database;
  ses: SesClientInput;
  now: Date;
}): Promise<SesViewRefresh> {
  const store = createD1SesViewStore(options.adminDb);
  const due = await store.listRereadsDue();
  const rereads = await rereadSesViews({ ...options, entityArns: due.map((v) => v.entityArn) });
  const last = await store.lastSweep();
  if (last && last.dueSince === null && options.now.getTime() - last.sweptAt < DAY_MS) return { rereads, swept: null };
  return { rereads, swept: (await sweepSesViews(options)).length };
}
