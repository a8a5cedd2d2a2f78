import { defineConfig } from '@playwright/test';
import { E2E } from './e2e/environment';

/**
 * End-to-end tests in Debian's Chromium (never a downloaded browser) against the real build on
 * `wrangler dev`, started by the demo script without its live traffic, on its own local D1 state
 * (`.wrangler/e2e-state`), so the tests post exactly the events they assert on.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  // Bounds, not expectations: what a test awaits (a `wrangler d1 execute`, a queue batch, a cron
  // run, a page load) can take several times as long on a machine whose cores are busy, and each
  // wait polls for its condition rather than sleeping. See e2e/environment.ts.
  timeout: E2E.testTimeoutMs,
  expect: { timeout: E2E.expectTimeoutMs },
  reporter: [['list']],
  use: {
    baseURL: E2E.baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'node ../../scripts/dev.mjs',
    url: `${E2E.baseURL}/auth/signin`,
    // Migrations, the demo seed, bundling and the first answer of `wrangler dev`.
    timeout: E2E.serverStartMs,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      PORT: String(E2E.port),
      DEMO_TRAFFIC: 'off',
      KURATCHI_STATE_DIR: E2E.stateDir,
      KURATCHI_INGESTION_STALE_MINUTES: '30',
      // The tests run the scheduled jobs themselves (support.ts runCron), when their data is in
      // place: the demo's own cron interval would run them at any moment besides, e.g. an alerts
      // run overlapping a test's (e2e/alerts.spec.ts).
      SCHEDULED_INTERVAL_SECONDS: '0',
      // dev.mjs's own bound on wrangler dev's first answer, within the one above.
      DEV_START_DEADLINE_SECONDS: String(E2E.serverStartMs / 1000 - 30),
    },
  },
});
