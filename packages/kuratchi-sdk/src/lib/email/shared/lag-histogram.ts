/**
 * The lag histogram: how long events take from their SNS `Timestamp` (when SNS accepted the
 * notification) to being applied to their email row, kept as counts per minute and per bucket in
 * the admin database (`ingestion_lag`), so that p50 and p99 over the last hour cost one bounded
 * read, whatever the volume. Buckets grow by a factor of 2^(1/4) (about 19 %): bucket `b` holds
 * lags of at most {@link lagBucketUpperMs}(b) ms, so a percentile read from the histogram is an
 * upper bound at most 19 % above the true value.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html (Timestamp)
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 */

/** Sub-buckets per doubling of the lag. */
const STEPS_PER_DOUBLING = 4;
/** The last bucket holds everything above ~2^40 ms (35 years): a clock gone wrong. */
export const MAX_LAG_BUCKET = 40 * STEPS_PER_DOUBLING;

/**
 * The bucket of a lag in ms: 0 for a lag of at most 1 ms (negative lags, a clock skew between SNS
 * and the Worker, count as 0), then the smallest `b` with lag ≤ 2^(b/4).
 */
export function lagBucket(lagMs: number): number {
  if (!(lagMs > 1)) return 0;
  return Math.min(MAX_LAG_BUCKET, Math.ceil(Math.log2(lagMs) * STEPS_PER_DOUBLING - 1e-9));
}

/** The largest lag, in whole ms, that bucket `b` holds (rounded up). */
export function lagBucketUpperMs(bucket: number): number {
  return Math.ceil(2 ** (bucket / STEPS_PER_DOUBLING));
}

/**
 * The `q`-quantile (0 < q ≤ 1) of a histogram given as bucket → count: the upper bound of the
 * first bucket at which the running count reaches `q` of the total (nearest-rank). Null when empty.
 */
export function lagQuantileMs(counts: ReadonlyMap<number, number>, q: number): number | null {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let running = 0;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) {
    running += counts.get(bucket)!;
    if (running >= rank) return lagBucketUpperMs(bucket);
  }
  return lagBucketUpperMs(MAX_LAG_BUCKET);
}

/** The start (epoch ms) of the UTC minute of `at`: the histogram's time key. */
export function lagMinute(at: number): number {
  return Math.floor(at / 60_000) * 60_000;
}
