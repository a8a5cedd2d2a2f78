/**
 * GetMessageInsights may be called at most once per second (per account: every organisation of a
 * deployment shares it).
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 */
export const INSIGHTS_MIN_INTERVAL_MS = 1_000;

/** Spaces calls: `wait()` resolves once `intervalMs` passed since the previous call's start. */
export interface Throttle {
  wait(): Promise<void>;
}

/** The clock and the sleep a {@link Throttle} uses (injected: tests pass their own). */
export interface ThrottleOptions {
  intervalMs?: number;
  /** Milliseconds of a monotonic-enough clock; default `Date.now`. */
  clock?: () => number;
  /** Default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A throttle of one call per `intervalMs` (default {@link INSIGHTS_MIN_INTERVAL_MS}). Share one
 * per run across organisations: the API's limit is the account's.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-standards/#timers
 */
export function createThrottle(options: ThrottleOptions = {}): Throttle {
  const intervalMs = options.intervalMs ?? INSIGHTS_MIN_INTERVAL_MS;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: number | undefined;
  return {
    async wait() {
      if (last !== undefined) {
        const left = last + intervalMs - clock();
        if (left > 0) await sleep(left);
      }
      last = clock();
    },
  };
}
