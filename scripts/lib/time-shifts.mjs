// The instants the test clock moves to (KURATCHI_TEST_NOW, read by each package's test/clock.ts):
// chosen to be awkward, so a test that mixes its pinned `now` with the real clock, or assumes a
// day or month does not roll over, fails at once rather than on some future morning.

const DAY_MS = 86_400_000;

/**
 * A year ahead of `now`, the last day of that month, 30 s before midnight UTC; a year back, the
 * first day of that month, 30 s after midnight.
 */
export function timeShifts(now = new Date()) {
  const ahead = new Date(now.getTime() + 366 * DAY_MS);
  const lastOfMonth = new Date(Date.UTC(ahead.getUTCFullYear(), ahead.getUTCMonth() + 1, 1) - 30_000);
  const back = new Date(now.getTime() - 365 * DAY_MS);
  const firstOfMonth = new Date(Date.UTC(back.getUTCFullYear(), back.getUTCMonth(), 1, 0, 0, 30));
  return [lastOfMonth.toISOString(), firstOfMonth.toISOString()];
}
