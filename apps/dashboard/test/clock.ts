import { env } from 'cloudflare:test';
import { createTestClock } from 'kuratchi-sdk/email/testing';

/**
 * The pinned clock of the dashboard's unit tests (functions that take `now`): every date-pinned
 * test derives its time-bound fixtures from it and never reads the real clock next to it.
 * `KURATCHI_TEST_NOW` (passed into workerd by vitest.config.ts) moves it: the test command runs
 * the suite again a year ahead and a year back (scripts/time-shift-check.mjs). Route tests that
 * go through the built Worker run on the Worker's real clock instead and derive their fixtures
 * from one `Date.now()` read.
 */
const clock = createTestClock(env.KURATCHI_TEST_NOW);

/** The pinned instant (default 2026-11-28T12:00:00.000Z). */
export const TEST_NOW: Date = clock.now;
/** {@link TEST_NOW} moved by `offsetMs`. */
export const testTime = clock.at;
