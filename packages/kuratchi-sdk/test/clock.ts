import { env } from 'cloudflare:test';
import { createTestClock } from '../src/lib/email/testing/test-clock.js';

/**
 * The pinned clock of the SDK's tests: every date-pinned test derives its time-bound fixtures
 * (certificate validity, SNS Timestamps, event times, windows) from it and never reads the real
 * clock next to it. `KURATCHI_TEST_NOW` (passed into workerd by vitest.config.ts) moves it: the
 * test command runs the suite again a year ahead and a year back (scripts/time-shift-check.mjs).
 */
const clock = createTestClock(env.KURATCHI_TEST_NOW);

/** The pinned instant (default 2026-11-28T12:00:00.000Z). */
export const TEST_NOW: Date = clock.now;
/** {@link TEST_NOW} moved by `offsetMs`. */
export const testTime = clock.at;
/** {@link testTime} as an ISO 8601 string. */
export const testIso = clock.iso;
