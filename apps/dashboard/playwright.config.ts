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
  timeout: 60_000,
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
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      PORT: String(E2E.port),
      DEMO_TRAFFIC: 'off',
      KURATCHI_STATE_DIR: E2E.stateDir,
      KURATCHI_INGESTION_STALE_MINUTES: '30',
    },
  },
});
