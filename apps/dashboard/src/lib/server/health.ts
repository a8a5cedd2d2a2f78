import type {
  DeadLetterReason,
  ParkedEventCounts,
  IngestionCounter,
  LagPercentiles,
} from 'kuratchi-sdk/internal/events';

/** The ingestion health panel of the overview page. */
export interface IngestionHealth {
  /** When this organisation last received an SES event (null: never). */
  lastEventReceivedAt: number | null;
  /** Webhook-wide counts since the counters were created. */
  verified: number;
  rejected: number;
  duplicate: number;
  parked: number;
  applied: number;
  /** Events whose lookup row named an email row that is gone or bound to another message. */
  orphaned: number;
  /** Events answered `dead-lettered` at once: their message's park was full. */
  parkFull: number;
  /** Queued mode: events the webhook handed to the queue, and queue deliveries the consumer retried. */
  queued: number;
  retried: number;
  /**
   * Records of the unsigned paths that were not SES events and were dropped: Kinesis Data Firehose
   * records (`firehose:refused`) and imported ones (`import:refused`). Zero is the normal state.
   */
  refusedRecords: number;
  /** What the park and the dead-letter table hold now (live counts, each read up to a bound). */
  held: HeldNow | null;
  /** SNS Timestamp → applied over the last hour (p50, p99), both modes; null when not read. */
  lag: LagPercentiles | null;
  /** Set when emails were sent but no event has followed for longer than the stale window. */
  warning: string | null;
}

/**
 * Live counts of the park and the dead-letter table.
 * @see https://developers.cloudflare.com/d1/platform/pricing/ (each count reads at most `bound` rows)
 */
export interface HeldNow {
  /** Waiting for sendEmail's lookup row / orphaned, kept for the time to live. */
  parked: number;
  orphaned: number;
  /** In the dead-letter table, by reason (replay with `kuratchi-ses dead-letters replay`). */
  deadLetters: number;
  deadLettersByReason: Partial<Record<DeadLetterReason, number>>;
  /** The bound each count was read up to: a count equal to it means "at least". */
  bound: number;
}

/**
 * Reads the live counts of {@link HeldNow} from the park and dead-letter stores.
 * @see https://developers.cloudflare.com/d1/platform/pricing/
 */
export async function heldNow(
  stores: {
    park: { countParkedEvents(bound: number): Promise<ParkedEventCounts> };
    deadLetters: { countByReason(bound: number): Promise<Partial<Record<DeadLetterReason, number>>> };
  },
  bound = 10_000,
): Promise<HeldNow> {
  const [held, byReason] = await Promise.all([
    stores.park.countParkedEvents(bound),
    stores.deadLetters.countByReason(bound),
  ]);
  const deadLetters = Object.values(byReason).reduce((sum, n) => sum + (n ?? 0), 0);
  return { ...held, deadLetters, deadLettersByReason: byReason, bound };
}

/**
 * The one silent failure peers miss: an SNS subscription that stopped delivering (unconfirmed,
 * deleted, endpoint moved) looks exactly like "no news", so emails sent more than `staleMinutes`
 * ago with no SES event received since are flagged. Null when all is well. The health panel shows
 * it and the `events-stopped` alert raises it.
 */
export function eventsStoppedWarning(
  activity: { oldestUnfollowedSendAt: number | null },
  staleMinutes: number,
  now: number,
): string | null {
  const waitingMs = activity.oldestUnfollowedSendAt === null ? 0 : now - activity.oldestUnfollowedSendAt;
  if (waitingMs <= staleMinutes * 60_000) return null;
  return (
    `Emails were sent ${Math.round(waitingMs / 60_000)} minutes ago and no SES event has arrived since` +
    ` (limit ${staleMinutes} min). Check the SNS subscription (kuratchi-ses status) and the webhook's answers.`
  );
}

/**
 * Ingestion health from the webhook's counters and the organisation's activity, with the
 * warning of {@link eventsStoppedWarning}.
 */
export function ingestionHealth(
  counters: readonly IngestionCounter[],
  activity: { lastEventReceivedAt: number | null; oldestUnfollowedSendAt: number | null },
  staleMinutes: number,
  now: number,
  held: HeldNow | null = null,
  lag: LagPercentiles | null = null,
): IngestionHealth {
  const count = (name: string) => counters.find((c) => c.name === name)?.count ?? 0;
  const rejected = counters.filter((c) => c.name.startsWith('rejected:')).reduce((sum, c) => sum + c.count, 0);
  const warning = eventsStoppedWarning(activity, staleMinutes, now);
  return {
    lastEventReceivedAt: activity.lastEventReceivedAt,
    verified: count('verified'),
    rejected,
    duplicate: count('outcome:duplicate'),
    parked: count('outcome:parked'),
    applied: count('outcome:applied'),
    orphaned: count('outcome:orphaned'),
    parkFull: count('outcome:dead-lettered'),
    queued: count('outcome:queued'),
    retried: count('consumer:retried'),
    refusedRecords: count('firehose:refused') + count('import:refused'),
    held,
    lag,
    warning,
  };
}
