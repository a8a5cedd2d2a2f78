/**
 * When a failed SES tenant call is tried again: the cron's interval (10 minutes) doubled per
 * failed attempt, at most 6 hours apart. Never given up: the row keeps its error and is retried
 * until SES accepts (nothing is lost; a permanent error shows in `kuratchi-ses status`).
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export const TENANT_RETRY_BASE_MS = 10 * 60_000;

/** The longest wait between two attempts. */
export const TENANT_RETRY_MAX_MS = 6 * 3_600_000;

/** How long a tenant SES reported DISABLED waits before the cron reads its status again. */
export const TENANT_STATUS_RECHECK_MS = 30 * 60_000;

/** The time of the next attempt after `attempts` failed ones (1, 2, …). */
export function retryAt(now: number, attempts: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 16);
  return now + Math.min(TENANT_RETRY_BASE_MS * 2 ** exponent, TENANT_RETRY_MAX_MS);
}
