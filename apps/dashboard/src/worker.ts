// The dashboard Worker's entry (wrangler.toml `main`). @sveltejs/adapter-cloudflare emits a
// Worker with a `fetch` handler only (sveltejs/kit#10496), so this wraps it and adds the cron
// trigger's `scheduled` handler and the SES events queue's `queue` handler. `$sveltekit-worker` is the adapter's build output
// (`.svelte-kit/cloudflare/_worker.js`, where adapter.wrangler.toml tells the adapter to write
// it), an alias in wrangler.toml and vitest.config.ts. Only relative imports below: wrangler
// bundles this file without SvelteKit's `$lib` alias.
import sveltekit from '$sveltekit-worker';
import { SES_WEBHOOK_PATH } from 'kuratchi-sdk/internal/events';
import { scheduledJobs } from './lib/server/scheduled/jobs';
import { budgetedEnv, InvocationBudget } from './lib/server/scheduled/budget';
import { CRONS, cronName } from './lib/server/scheduled/crons';
import { runScheduledJobs } from './lib/server/scheduled/run-jobs';
import { consumeQueueBatch } from './lib/server/ses-queue';
import { handleSesWebhook } from './lib/server/ses-webhook';

/**
 * The organisation database as a SQLite-backed Durable Object (wrangler.toml
 * `[[durable_objects.bindings]]` ORG_DO): organisations created at run time live here.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/access-durable-objects-storage/
 */
export { OrganizationDatabase } from 'kuratchi-sdk/email/durable-object';

/**
 * The request marked `Cache-Control: no-cache`, which makes the adapter's Worker skip its Cache
 * API lookup (`caches.default.match`, one call to the cache per request). The adapter stores only
 * answers that carry a cacheable `Cache-Control`; the dashboard's routes send none (or
 * `no-store`) and static assets are served before this Worker runs (wrangler.toml `[assets]`), so
 * the lookup could only miss. No route reads the request's `Cache-Control`.
 * @see https://developers.cloudflare.com/workers/runtime-apis/cache/
 * @see https://developers.cloudflare.com/workers/static-assets/routing/
 */
function withoutCacheLookup(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.set('cache-control', 'no-cache');
  return new Request(request, { headers });
}

/**
 * The URL of an SNS POST to the SES events webhook, which is answered here, before SvelteKit: its
 * route (routes/api/webhooks/ses-events) calls the same handler, and the hooks do nothing on that
 * path (CSRF-exempt, public), while SvelteKit's routing and the request's copy
 * (`withoutCacheLookup`) took about a fifth of a queued POST's CPU (`node bench/webhook-profile.mjs`).
 * Null for every other request, of which only the method is read.
 */
function sesWebhookUrl(request: Request): URL | null {
  if (request.method !== 'POST') return null;
  const url = new URL(request.url);
  return url.pathname === SES_WEBHOOK_PATH ? url : null;
}

export default {
  fetch(request, env, ctx) {
    const webhook = sesWebhookUrl(request);
    if (webhook) return handleSesWebhook({ request, url: webhook, platform: { env, context: ctx } as App.Platform });
    return sveltekit.fetch(withoutCacheLookup(request), env, ctx);
  },

  /**
   * Consumes the SES events queue and its dead-letter queue (wrangler.toml `[[queues.consumers]]`):
   * see ses-queue.ts.
   * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#consumer
   */
  queue: (batch, env) => consumeQueueBatch(batch, env),

  /**
   * Runs the jobs of the trigger that fired (`controller.cron`: the guard alone every minute, the
   * other jobs every 10 minutes; lib/server/scheduled/crons.ts; a cron not there runs every job,
   * with a warning line) as of the trigger's own time (`scheduledTime`), each failing
   * independently and logged as one JSON line, all within one budget of D1 queries
   * (lib/server/scheduled/budget.ts); throws at the end if any failed, so that the cron
   * event shows as failed in Cloudflare's dashboard (the next run retries the work).
   * @see https://developers.cloudflare.com/workers/runtime-apis/handlers/scheduled/
   */
  async scheduled(controller, env) {
    // One budget for the whole invocation: every job's D1 statements are charged to it.
    const budget = new InvocationBudget();
    const cron = cronName(controller.cron);
    if (!cron)
      console.warn(
        JSON.stringify({
          msg: 'scheduled-unknown-cron',
          cron: controller.cron,
          known: Object.values(CRONS),
          running: 'every job',
        }),
      );
    const results = await runScheduledJobs(scheduledJobs(budgetedEnv(env, budget), cron), {
      now: new Date(controller.scheduledTime),
      cron: controller.cron,
      budget,
    });
    const failed = results.filter((r) => r.outcome === 'failed').map((r) => r.job);
    if (failed.length) throw new Error(`scheduled jobs failed: ${failed.join(', ')} (see their log lines)`);
  },
} satisfies ExportedHandler<DashboardEnv>;
