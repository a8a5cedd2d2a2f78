import { readConfig } from './config';
import { opsRefusal } from './ops/auth';
import { reconcileNow, reconcileStatus } from './ops/reconcile';

/** A route the Worker entry serves itself, before SvelteKit. */
type WorkerRoute = (request: Request, env: DashboardEnv) => Promise<Response>;

/**
 * Operations API routes that call AWS with the Worker's own SESv2 client, served by the Worker
 * entry (src/worker.ts) instead of a SvelteKit `+server.ts`: SvelteKit's server build resolves
 * `@aws-sdk/*` to its Node variants (node-http-handler, the file config loader), which workerd
 * cannot run, while the Worker entry is bundled for workerd (wrangler, and vitest-pool-workers in
 * tests) and gets the SDK's fetch-based browser variant. They authenticate exactly as the other
 * operations routes do (bearer `KURATCHI_OPS_TOKEN`).
 * @see https://developers.cloudflare.com/workers/wrangler/bundling/
 * @see https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/welcome.html
 */
const ROUTES: Record<string, Partial<Record<string, WorkerRoute>>> = {
  '/api/ops/reconcile': {
    GET: async (_request, env) => reconcileStatus(env),
    POST: async (request, env) => reconcileNow(env, request, new Date()),
  },
};

/**
 * The handler of a request the Worker entry serves itself, or null for SvelteKit's.
 * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/fetch/
 */
export function workerRoute(request: Request): WorkerRoute | null {
  const methods = ROUTES[new URL(request.url).pathname];
  if (!methods) return null;
  const handler = methods[request.method];
  return async (req, env) => {
    const refusal = await opsRefusal(req, readConfig(env));
    if (refusal) return refusal;
    if (!handler)
      return Response.json(
        { error: 'method-not-allowed', message: `${req.method} is not allowed here` },
        { status: 405, headers: { allow: Object.keys(methods).join(', ') } },
      );
    return handler(req, env);
  };
}
