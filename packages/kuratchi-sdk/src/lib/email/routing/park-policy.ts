/**
 * How long and how many verified events the park holds. Parking answers SNS 200, so SNS stops
 * retrying: the park takes over SNS's retries and must not give up sooner than SNS would have.
 * SNS retries an HTTP/S endpoint for at most 3,600 seconds in all (a hard limit; the default
 * policy is 3 retries 20 seconds apart), so the time to live must be longer than that.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html
 */
export const SNS_MAX_RETRY_WINDOW_MS = 3_600_000;

/**
 * Default time to live of a parked event: a day, well past SNS's longest retry window.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export const DEFAULT_PARK_TTL_MS = 24 * 3_600_000;

/**
 * Default cap of events parked (waiting or orphaned) per SES message. A message meets a handful of
 * events before `sendEmail` writes its route; only orphans of a deleted email keep coming
 * (every open), and past the cap those go to the dead-letter table (`park-full`) instead.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export const DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE = 100;

/**
 * Default time a dead letter of no known organisation is kept before the sweep drops it (and
 * counts it in the tally of dropped dead letters): 14 days. Such an event is one of mail that
 * `sendEmail` did not send (another sender on the same configuration set) or whose route was
 * never written; the time is for a replay, should its route still appear.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export const DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS = 14 * 24 * 3_600_000;

/**
 * Default time any dead letter is kept before the sweep drops it (counted in the tally, as those
 * of no known organisation are after {@link DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS}): 30 days to
 * replay it once its cause is fixed; the `dead-letters-expiring` alert warns a week before.
 */
export const DEFAULT_DEAD_LETTER_TTL_MS = 30 * 24 * 3_600_000;

/**
 * The limits of the park, as the sink and the sweep take them.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export interface ParkLimits {
  /** Time to live of a parked event, in ms; longer than {@link SNS_MAX_RETRY_WINDOW_MS}. */
  ttlMs: number;
  /** Most events parked per SES message; at least 1. */
  maxParkedEventsPerMessage: number;
  /** Time a dead letter of no known organisation is kept, in ms; at least a day. */
  unroutedDeadLetterTtlMs: number;
  /** Time any dead letter is kept, in ms; at least a day. */
  deadLetterTtlMs: number;
}

/**
 * Checks park limits, filling in the defaults.
 * @throws {RangeError} naming the limit that is out of range.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 */
export function parkLimits(limits: Partial<ParkLimits> = {}): ParkLimits {
  const ttlMs = limits.ttlMs ?? DEFAULT_PARK_TTL_MS;
  const maxParkedEventsPerMessage = limits.maxParkedEventsPerMessage ?? DEFAULT_MAX_PARKED_EVENTS_PER_MESSAGE;
  if (!Number.isFinite(ttlMs) || ttlMs <= SNS_MAX_RETRY_WINDOW_MS) {
    throw new RangeError(
      `park ttlMs must be longer than SNS's retry window of ${SNS_MAX_RETRY_WINDOW_MS} ms (1 hour), not ${ttlMs}`,
    );
  }
  if (!Number.isInteger(maxParkedEventsPerMessage) || maxParkedEventsPerMessage < 1) {
    throw new RangeError(
      `park maxParkedEventsPerMessage must be a whole number of at least 1, not ${maxParkedEventsPerMessage}`,
    );
  }
  const unroutedDeadLetterTtlMs = limits.unroutedDeadLetterTtlMs ?? DEFAULT_UNROUTED_DEAD_LETTER_TTL_MS;
  if (!Number.isFinite(unroutedDeadLetterTtlMs) || unroutedDeadLetterTtlMs < 24 * 3_600_000) {
    throw new RangeError(
      `park unroutedDeadLetterTtlMs must be at least a day (86400000 ms), not ${unroutedDeadLetterTtlMs}`,
    );
  }
  const deadLetterTtlMs = limits.deadLetterTtlMs ?? DEFAULT_DEAD_LETTER_TTL_MS;
  if (!Number.isFinite(deadLetterTtlMs) || deadLetterTtlMs < 24 * 3_600_000) {
    throw new RangeError(`park deadLetterTtlMs must be at least a day (86400000 ms), not ${deadLetterTtlMs}`);
  }
  return { ttlMs, maxParkedEventsPerMessage, unroutedDeadLetterTtlMs, deadLetterTtlMs };
}
