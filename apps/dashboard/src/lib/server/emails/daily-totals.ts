/** Milliseconds of a UTC day, the unit of the daily rollups (`email_rollups.day`). */
export const DAY_MS = 86_400_000;

/** Most UTC days one request for daily totals may span (ten years): the CSV's and the API's. */
export const DAILY_TOTALS_MAX_DAYS = 3_660;

/**
 * The UTC day numbers `first`–`last` of a request for daily totals: `last` the day of `to`
 * (default today, the day of `now`), `first` the day of `from` (default the 30 days ending
 * `last`, as the overview). An error message when the span is not 1 to
 * {@link DAILY_TOTALS_MAX_DAYS} days, else the span.
 */
export function dailyTotalsSpan(
  range: { from?: number; lastDay?: number },
  now: number,
): { first: number; last: number; days: number } | { error: string } {
  const last = range.lastDay ?? Math.floor(now / DAY_MS);
  const first = range.from !== undefined ? Math.floor(range.from / DAY_MS) : last - 29;
  const days = last - first + 1;
  if (days < 1 || days > DAILY_TOTALS_MAX_DAYS) {
    return { error: `from–to must span 1 to ${DAILY_TOTALS_MAX_DAYS} UTC days (asked: ${days})` };
  }
  return { first, last, days };
}
