/** The instant a test suite pins when nothing moves it. */
export const DEFAULT_TEST_NOW = '2026-11-28T12:00:00.000Z';

/** A pinned instant that a test derives every time-bound fixture from. */
export interface TestClock {
  /** The pinned instant. */
  readonly now: Date;
  /** {@link TestClock.now} moved by `offsetMs` (negative for the past). */
  at(offsetMs: number): Date;
  /** {@link TestClock.at} as an ISO 8601 string, as SNS writes `Timestamp`. */
  iso(offsetMs?: number): string;
}

/**
 * A test clock pinned at `iso` (an ISO 8601 instant), or at {@link DEFAULT_TEST_NOW} when `iso`
 * is empty or missing. Suites read `iso` from a test-only setting (kuratchi's own tests: the
 * `KURATCHI_TEST_NOW` binding), so that the whole suite can be run with its clock moved far from
 * the date it pins: a fixture that mixes the pinned instant with the real clock then fails at once.
 * @throws {RangeError} when `iso` is set but is not a date.
 */
export function createTestClock(iso?: string): TestClock {
  const now = new Date(iso || DEFAULT_TEST_NOW);
  if (Number.isNaN(now.getTime())) {
    throw new RangeError(
      `the test clock needs an ISO 8601 instant such as ${DEFAULT_TEST_NOW}, not ${JSON.stringify(iso)}`,
    );
  }
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
  return { now, at, iso: (offsetMs = 0) => at(offsetMs).toISOString() };
}
