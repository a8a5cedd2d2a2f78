// The tests' main Worker: it exports the classes of the Durable Objects the tests bind
// (vitest.config.ts `durableObjects`), as the dashboard's entry does in production, and consumes
// the real SES events queue and its dead-letter queue (vitest.config.ts `queueConsumers`) with
// the façade, as the dashboard's `queue` handler does.
import { createEmailTracking } from '../src/lib/email/tracking/create-email-tracking.js';
import { createTestClock } from '../src/lib/email/testing/test-clock.js';
import { consumeWebhookBatch } from '../src/lib/email/webhooks/webhook-consumer.js';

/** The tests' deliveries reach only the receiver on 127.0.0.1 (test/node/webhook-receiver.mjs): nothing leaves the machine. */
const loopbackOnly: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (url.hostname !== '127.0.0.1') return Promise.reject(new Error(`test refused to fetch ${url.origin}`));
  return fetch(input, init);
};

export { OrganizationDatabase } from '../src/lib/email/durable-object/index.js';

export default {
  fetch: () => new Response('kuratchi-sdk test worker', { status: 404 }),
  async queue(batch, env) {
    if (batch.queue === 'kuratchi-webhooks') {
      const now = createTestClock(env.KURATCHI_TEST_NOW).now;
      await consumeWebhookBatch(batch, {
        now: () => now,
        db: env.ADMIN_DB,
        queue: env.WEBHOOK_QUEUE,
        fetch: loopbackOnly,
        timeoutMs: 1000,
      });
      return;
    }
    const now = createTestClock(env.KURATCHI_TEST_NOW).now;
    const tracking = createEmailTracking({
      env: env as unknown as Record<string, unknown>,
      allowedTopicArns: [],
      queue: env.SES_EVENTS_QUEUE,
      archive: env.SES_ARCHIVE,
      now: () => now,
    });
    await tracking.queue(batch);
  },
} satisfies ExportedHandler<Cloudflare.Env>;
