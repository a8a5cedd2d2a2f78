import { parseReconcileCursor } from 'kuratchi-sdk/internal/d1';
import { createReconciler } from 'kuratchi-sdk/internal/reconcile';
import { z } from 'zod';
import { readConfig } from '../config';
import { d1EventSink } from '../event-sink';
import { RECONCILE_MAX_PER_RUN_LIMIT, readReconcileSettings } from '../reconcile/settings';
import { RECONCILE_NOT_CONFIGURED, runReconciliation } from '../reconcile/run';
import { orgDatabase } from './org-database';
import { readJsonBody } from './request';

const runBody = z
  .object({
    organizationId: z.string().min(1).max(200).optional(),
    dryRun: z.boolean().default(false),
    limit: z.number().int().min(1).max(RECONCILE_MAX_PER_RUN_LIMIT).optional(),
    after: z
      .string()
      .max(600)
      .refine((text) => parseReconcileCursor(text) !== undefined, 'must be the `next` cursor of an earlier answer')
      .optional(),
  })
  .strict()
  .refine((body) => body.after === undefined || body.organizationId !== undefined, {
    path: ['after'],
    message: 'needs organizationId (a cursor belongs to one organisation)',
  });

/**
 * `GET /api/ops/reconcile`: whether reconciliation can run (AWS credentials; Virtual
 * Deliverability Manager, read with GetAccount), its settings and the organisations it covers,
 * for `kuratchi-ses reconcile`.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
 */
export async function reconcileStatus(env: DashboardEnv): Promise<Response> {
  const config = readConfig(env);
  const settings = readReconcileSettings(env);
  const { results } = await env.ADMIN_DB.prepare(
    'SELECT id FROM organizations WHERE removed_at IS NULL ORDER BY id',
  ).all<{ id: string }>();
  const organizations = results.map((row) => row.id);
  if (!config.ses)
    return Response.json({ status: 'not-configured', message: RECONCILE_NOT_CONFIGURED, settings, organizations });
  const vdm = await createReconciler({ ses: config.ses, sink: d1EventSink(env, config) }).vdmStatus();
  return Response.json({
    status: vdm.enabled ? 'ready' : 'vdm-off',
    ...(vdm.enabled ? {} : { message: vdm.message }),
    settings,
    organizations,
  });
}

/**
 * `POST /api/ops/reconcile` with JSON `{ organizationId?, dryRun?, limit?, after? }`: one
 * reconciliation run as the cron runs it (every organisation), or one page of one organisation
 * (`after`: the `next` cursor of the previous page). Answers the run's report; a dry run asks SES
 * but writes nothing.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export async function reconcileNow(env: DashboardEnv, request: Request, now: Date): Promise<Response> {
  const body = await readJsonBody(request, runBody);
  if ('refusal' in body) return body.refusal;
  const { organizationId, dryRun, limit, after } = body.data;
  if (organizationId) {
    const db = await orgDatabase(env, organizationId);
    if (db instanceof Response) return db;
  }
  const run = await runReconciliation(env, {
    now,
    dryRun,
    ...(organizationId ? { organizationId } : {}),
    ...(limit ? { limit } : {}),
    ...(after ? { after: parseReconcileCursor(after)! } : {}),
  });
  console.log(JSON.stringify({ msg: 'ses-reconcile', status: run.status, dryRun, ...run.totals }));
  return Response.json(run);
}
