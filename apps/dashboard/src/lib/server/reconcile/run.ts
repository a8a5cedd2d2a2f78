import { createOrgDatabaseClient } from 'kuratchi-sdk/internal/d1';
import { createReconciler, type ReconcileReport, type ReconcileSettings } from 'kuratchi-sdk/internal/reconcile';
import { readConfig } from '../config';
import { d1EventSink } from '../event-sink';
import { readReconcileSettings } from './settings';

/** What the Worker says when it has no AWS credentials of its own. */
export const RECONCILE_NOT_CONFIGURED =
  'the Worker has no AWS credentials of its own (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): reconciliation stays off';

/** One organisation's part of a run: the SDK's report, or why it failed (other organisations go on). */
export type OrganizationReconcile = ReconcileReport | { organizationId: string; status: 'failed'; error: string };

/** What a reconciliation run did, for the cron log line, the operations API and the CLI. */
export interface ReconcileRun {
  /** `done`; `not-configured` (no AWS credentials); `vdm-off`; `off` (KURATCHI_RECONCILE_MAX_PER_RUN=0). Nothing is written unless `done`. */
  status: 'done' | 'not-configured' | 'vdm-off' | 'off';
  message?: string;
  dryRun: boolean;
  organizations: OrganizationReconcile[];
  /** Sums over the organisations. */
  totals: Record<
    'asked' | 'learned' | 'applied' | 'duplicates' | 'nothingYet' | 'gaveUp' | 'notAvailable' | 'failed',
    number
  >;
}

/** A run's scope: every organisation (the cron), or one, paged with the keyset cursor. */
export interface ReconcileRunOptions {
  now: Date;
  dryRun?: boolean;
  organizationId?: string;
  /** Most emails to ask about in this run (all organisations together); default KURATCHI_RECONCILE_MAX_PER_RUN. */
  limit?: number;
  /** One organisation only: continue after this cursor. */
  after?: { createdAt: number; emailId: string };
  /** The cron's invocation count, to rotate which organisation goes first. */
  rotation?: number;
}

/**
 * Runs reconciliation (kuratchi-sdk/internal/reconcile) with the Worker's own SESv2 client over the
 * organisations of the admin database, one after the other, sharing one budget of
 * `KURATCHI_RECONCILE_MAX_PER_RUN` asks and one throttle (GetMessageInsights allows one call a second
 * per account). The first organisation rotates from run to run so a large one cannot starve the
 * others. Without AWS credentials, or without Virtual Deliverability Manager, it says so and
 * writes nothing; an organisation that fails is reported and the next one still runs.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://developers.cloudflare.com/workers/configuration/cron-triggers/
 */
export async function runReconciliation(env: DashboardEnv, options: ReconcileRunOptions): Promise<ReconcileRun> {
  const config = readConfig(env);
  const settings: ReconcileSettings = readReconcileSettings(env);
  const dryRun = options.dryRun === true;
  const run: ReconcileRun = { status: 'done', dryRun, organizations: [], totals: emptyTotals() };
  if (!config.ses) return { ...run, status: 'not-configured', message: RECONCILE_NOT_CONFIGURED };
  let budget = options.limit ?? settings.maxPerRun;
  if (budget === 0)
    return { ...run, status: 'off', message: 'KURATCHI_RECONCILE_MAX_PER_RUN is 0: reconciliation is off' };
  const reconciler = createReconciler({ ses: config.ses, sink: d1EventSink(env, config), settings });
  const vdm = await reconciler.vdmStatus();
  if (!vdm.enabled) return { ...run, status: 'vdm-off', message: vdm.message };
  const orgDatabase = createOrgDatabaseClient(env.ADMIN_DB, env);
  const organizations = options.organizationId
    ? [options.organizationId]
    : rotate(await organizationIds(env.ADMIN_DB), options.rotation ?? 0);
  for (const organizationId of organizations) {
    if (budget <= 0) break;
    try {
      const report = await reconciler.reconcileOrganization({
        organizationId,
        orgDb: await orgDatabase(organizationId),
        now: options.now,
        dryRun,
        limit: budget,
        ...(options.after ? { after: options.after } : {}),
      });
      budget -= report.candidates;
      run.organizations.push(report);
      for (const key of ['asked', 'learned', 'applied', 'duplicates', 'nothingYet', 'gaveUp', 'notAvailable'] as const)
        run.totals[key] += report[key];
      // SES refused a call: the account's rate is spent for now, the other organisations wait too.
      if (report.status === 'throttled') break;
    } catch (error) {
      run.totals.failed++;
      run.organizations.push({
        organizationId,
        status: 'failed',
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  return run;
}

async function organizationIds(adminDb: D1Database): Promise<string[]> {
  const { results } = await adminDb
    .prepare('SELECT id FROM organizations WHERE removed_at IS NULL ORDER BY id')
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

function rotate<T>(list: readonly T[], by: number): T[] {
  if (!list.length) return [];
  const start = ((by % list.length) + list.length) % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

function emptyTotals(): ReconcileRun['totals'] {
  return { asked: 0, learned: 0, applied: 0, duplicates: 0, nothingYet: 0, gaveUp: 0, notAvailable: 0, failed: 0 };
}
