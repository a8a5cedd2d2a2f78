/**
 * When a failed delivery is tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then every
 * 12 h, eleven attempts in all over about 2.7 days (Svix's schedule, stretched to three days).
 * Each wait is one Queues message sent with `delaySeconds` (at most 12 hours): a new message per
 * attempt, so the schedule is bound neither by the queue's `max_retries` nor by its retention.
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#delay-messages
 * @see https://docs.svix.com/retries
 */
export const WEBHOOK_RETRY_DELAYS_SECONDS: readonly number[] = [
  5, 300, 1_800, 7_200, 18_000, 36_000, 43_200, 43_200, 43_200, 43_200,
];

/**
 * The wait before the next attempt after `attempts` failed ones, or null when none is left.
 * @param attempts attempts made so far (1 after the first)
 */
export function nextWebhookDelaySeconds(attempts: number): number | null {
  return WEBHOOK_RETRY_DELAYS_SECONDS[attempts - 1] ?? null;
}

/**
 * How long an endpoint may fail every attempt (since its last delivered one) before it is disabled
 * and its organisation's admin alerted: three days, the length of the retry schedule.
 */
export const WEBHOOK_DISABLE_AFTER_MS = 3 * 24 * 3_600_000;
