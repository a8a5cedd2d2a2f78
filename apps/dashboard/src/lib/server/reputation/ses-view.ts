import { createD1SesViewStore, handleTenantStatusEvent, refreshSesViews } from 'kuratchi-sdk/internal/guard';
import { readConfig } from '../config';
import { readSettings } from '../settings/read';

/**
 * `POST /api/eventbridge/ses-status`: SES's "Sending Status Enabled / Disabled" events from an
 * EventBridge rule's API destination, checked against `KURATCHI_SES_STATUS_KEY` and answered by
 * the SDK's `handleTenantStatusEvent` (the event only prompts a re-read of SES's view). A bad
 * `aws` section answers 503, naming no setting (the log does).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html
 */
export async function receiveSesStatusEvent(request: Request, env: DashboardEnv): Promise<Response> {
  let aws;
  try {
    aws = readSettings(env, 'aws');
  } catch (error) {
    console.error('ses-status endpoint misconfigured:', error instanceof Error ? error.message : error);
    return Response.json({ error: 'misconfigured' }, { status: 503 });
  }
  return handleTenantStatusEvent(request, {
    adminDb: env.ADMIN_DB,
    ses: readConfig(env).ses,
    secret: aws.KURATCHI_SES_STATUS_KEY,
    now: new Date(),
  });
}

/**
 * The scheduled job `ses-view`: with `KURATCHI_SES_TENANTS=on` and AWS credentials, retries the
 * owed re-reads and sweeps SES's view of every tenant once a day (`refreshSesViews`); otherwise
 * there is no tenant to read and it says so.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ListReputationEntities.html
 */
export async function runSesViewJob(env: DashboardEnv, now: Date) {
  const aws = readSettings(env, 'aws');
  const ses = readConfig(env).ses;
  if (aws.KURATCHI_SES_TENANTS !== 'on' || !ses)
    return { status: aws.KURATCHI_SES_TENANTS !== 'on' ? 'off' : 'not-configured' };
  const run = await refreshSesViews({ adminDb: env.ADMIN_DB, ses, now });
  return {
    status: 'done',
    swept: run.swept,
    reread: run.rereads.read.length,
    removed: run.rereads.removed.length,
    ...(run.rereads.failed.length ? { failures: run.rereads.failed } : {}),
  };
}

/**
 * SES's view of each organisation's tenant as last read (organisations with no tenant known are
 * absent), and the last sweep; what the Organisations page and `GET /api/ops/reputation` show
 * beside the guard's own state.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ReputationEntity.html
 */
export async function sesViews(adminDb: D1Database) {
  const store = createD1SesViewStore(adminDb);
  const [views, sweep] = await Promise.all([store.list(), store.lastSweep()]);
  return { byOrganization: Object.fromEntries(views.map((v) => [v.organizationId, v])), sweep };
}
