// The tests' main Worker: it exports the classes of the Durable Objects the tests bind
// (vitest.config.ts `durableObjects`), as the dashboard's entry does in production, and consumes
// the real SES events queue and its dead-letter queue (vitest.config.ts `queueConsumers`) with
// the façade, as the dashboard's `queue` handler does.
import { createEmailTracking } from '../src/lib/email/tracking/create-email-tracking.js';
import { createTestClock } from '../src/lib/email/testing/test-clock.js';

export { OrganizationDatabase } from '../src/lib/email/durable-object/index.js';

export default {
  fetch: () => new Response('kuratchi-sdk test worker', { status: 404 }),
  async queue(batch, env) {
    const now = createTestClock(env.KURATCHI_TEST_NOW).now;
    const tracking = createEmailTracking({
      env: env as unknown as Record<string, unknown>,
      allowedTopicArns: [],
      queue: env.SES_EVENTS_QUEUE,
      now: () => now,
    });
    await tracking.queue(batch);
  },
} satisfies ExportedHandler<Cloudflare.Env>;
