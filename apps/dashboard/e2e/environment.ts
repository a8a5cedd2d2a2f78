import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const port = Number(process.env.E2E_PORT ?? 8795);

/**
 * Where the end-to-end Worker runs and keeps its state, and the bounds of what the tests await.
 * The bounds hold on a machine whose cores are all busy (docs/testing.md: the CPU hog), where a
 * `wrangler d1 execute` takes up to ~10 s and a page load a few seconds; every wait polls for
 * its condition and ends as soon as it holds, so a generous bound costs nothing when it passes.
 */
export const E2E = {
  root,
  port,
  baseURL: `http://127.0.0.1:${port}`,
  stateDir: process.env.E2E_STATE_DIR ?? `${root}.wrangler/e2e-state`,
  screenshots: fileURLToPath(new URL('../test-results/screenshots/', import.meta.url)),
  /** A whole test: its `wrangler d1 execute` calls, cron runs, page loads and waits together. */
  testTimeoutMs: 240_000,
  /** One web-first assertion (an element appearing after a navigation or a form's answer). */
  expectTimeoutMs: 20_000,
  /**
   * The demo server ready: migrations, the seed (720 emails through the SDK: 131 s with both
   * cores busy elsewhere, against ~15 s idle), bundling, wrangler dev's first answer.
   */
  serverStartMs: 600_000,
  /**
   * An event the webhook accepted, applied by the queue consumer: a batch closes after 1 s
   * (wrangler.dev.toml `max_batch_timeout`) and is retried after 10 s if it fails once.
   */
  queueAppliedMs: 60_000,
  /** The canary's events back through the local SES, SNS, the queue and a cron run. */
  canaryBackMs: 120_000,
};
