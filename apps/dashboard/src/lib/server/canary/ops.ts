import { checkCanaryRun, latestCanaryRuns, startCanaryRun } from 'kuratchi-sdk/internal/canary';
import { z } from 'zod';
import { invalidRequest } from '../ops/request';
import { canaryReadConfig, canarySettings } from './settings';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }).strict();

/**
 * `POST /api/ops/canary`: starts a canary run now (what `kuratchi-ses canary` does) and answers
 * it, 201; 409 `canary-not-configured` (saying what is missing) when the canary is off.
 * @see https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
 */
export async function startCanaryNow(env: DashboardEnv, now: Date): Promise<Response> {
  const settings = canarySettings(env);
  if (!settings.enabled)
    return Response.json({ error: 'canary-not-configured', message: settings.reason }, { status: 409 });
  return Response.json(await startCanaryRun(settings.run, now, 'ops'), { status: 201 });
}

/**
 * `GET /api/ops/canary/<id>`: the run as of `now` (each expected event, back or not, with its
 * end-to-end lag; decided once every event is back or the deadline has passed); 404 for an
 * unknown run.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export async function canaryRunProgress(env: DashboardEnv, id: string, now: Date): Promise<Response> {
  const run = await checkCanaryRun(canaryReadConfig(env), id, now);
  return run
    ? Response.json(run)
    : Response.json({ error: 'canary-run-not-found', message: `no canary run ${id}` }, { status: 404 });
}

/**
 * `GET /api/ops/canary?limit=`: the latest runs, newest first (as last brought up to date).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function listCanaryRuns(env: DashboardEnv, url: URL): Promise<Response> {
  const query = listQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) return invalidRequest(query.error);
  return Response.json({ runs: await latestCanaryRuns(env.ADMIN_DB, query.data.limit) });
}
