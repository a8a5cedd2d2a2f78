// The Worker of bench/api.mjs's `webhook-deliveries-per-second-vs-fetch`, run by miniflare in
// workerd beside its admin D1 database: the outbound webhooks consumer (`consumeWebhookBatch`:
// endpoints read, delivery rows started, each attempt signed and POSTed, attempts recorded) on
// batches of 100 events, against the raw `fetch` of the same signed bodies to the same receiver,
// 100 in flight alike. Bundled with the built SDK by bench/lib.mjs bundleWorker.
import { parseSesEvent } from 'kuratchi-sdk/internal/events';
import { buildSesEvent } from 'kuratchi-sdk/email/testing';
import {
  consumeWebhookBatch,
  createWebhookEndpoint,
  signWebhook,
  webhookBody,
  webhookEventMessage,
} from 'kuratchi-sdk/internal/webhooks';

const ORG = 'org-bench-webhooks';
const BATCH = 100;

/** `count` distinct Delivery events of ORG, as the ingest path enqueues them. */
function eventInputs(count, run) {
  return Array.from({ length: count }, (_, i) => ({
    organizationId: ORG,
    emailId: `email-${i}`,
    contentId: `bench-${run}-${i}`,
    event: parseSesEvent(
      buildSesEvent({
        eventType: 'Delivery',
        messageId: `ses-${run}-${i}`,
        recipient: 'r@example.com',
        time: new Date(),
      }),
    ),
  }));
}

export default {
  /**
   * POST /setup { url }: the organisation and its endpoint at `url`; answers { secret }.
   * POST /ours { count, run }: the consumer over `count` events in batches of 100; { ms, delivered }.
   * POST /fetch { count, run, secret, url }: the same bodies, signed beforehand, POSTed with `fetch`; { ms, ok }.
   */
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    const input = await request.json();
    if (path === '/setup') {
      await env.ADMIN_DB.prepare(
        "INSERT INTO organizations (id, name, database_kind, database_binding, created_at) VALUES (?, 'Bench', 'durable-object', 'ORG_DO', 0)",
      )
        .bind(ORG)
        .run();
      const { secret } = await createWebhookEndpoint(env.ADMIN_DB, {
        organizationId: ORG,
        url: input.url,
        eventTypes: ['email.delivered'],
        now: Date.now(),
        development: true,
      });
      return Response.json({ secret });
    }
    const inputs = eventInputs(input.count, input.run);
    if (path === '/ours') {
      let delivered = 0;
      const start = performance.now();
      for (let from = 0; from < inputs.length; from += BATCH) {
        const messages = inputs.slice(from, from + BATCH).map((event, i) => ({
          id: `m-${from + i}`,
          timestamp: new Date(),
          attempts: 1,
          body: webhookEventMessage(event),
          ack() {},
          retry() {},
        }));
        // The batch Queues would hand the consumer (a benchmark's own, built here).
        const batch = /** @type {import('@cloudflare/workers-types').MessageBatch<unknown>} */ (
          /** @type {unknown} */ ({ queue: 'kuratchi-webhooks', messages, ackAll() {}, retryAll() {} })
        );
        const report = await consumeWebhookBatch(batch, { db: env.ADMIN_DB, queue: env.WEBHOOK_QUEUE });
        delivered += report.delivered;
      }
      return Response.json({ ms: performance.now() - start, delivered });
    }
    // The baseline: the same bodies and headers, signed before the clock starts.
    const signed = await Promise.all(
      inputs.map(async (event) => {
        const { body } = webhookBody(event);
        const headers = await signWebhook({ id: event.contentId, timestamp: Math.floor(Date.now() / 1000), body }, [
          input.secret,
        ]);
        return { body, headers };
      }),
    );
    let ok = 0;
    const start = performance.now();
    for (let from = 0; from < signed.length; from += BATCH) {
      const answers = await Promise.all(
        signed.slice(from, from + BATCH).map(({ body, headers }) =>
          fetch(input.url, { method: 'POST', headers, body, redirect: 'manual' }).then(async (response) => {
            await response.body?.cancel();
            return response.ok;
          }),
        ),
      );
      ok += answers.filter(Boolean).length;
    }
    return Response.json({ ms: performance.now() - start, ok });
  },
};
