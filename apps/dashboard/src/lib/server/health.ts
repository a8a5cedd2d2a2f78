import type { IngestionCounter } from 'kuratchi-sdk/email';

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
  /** Set when emails were sent but no event has followed for longer than the stale window. */
  warning: string | null;
}

/**
 * Ingestion health from the webhook's counters and the organisation's activity. The warning is
 * the one silent failure peers miss: an SNS subscription that stopped delivering (unconfirmed,
 * deleted, endpoint moved) looks exactly like "no news", so emails sent `staleMinutes` ago with
 * no event received since are flagged.
 */
export function ingestionHealth(
  counters: readonly IngestionCounter[],
  activity: { lastEventReceivedAt: number | null; oldestUnfollowedSendAt: number | null },
  staleMinutes: number,
  now: number,
): IngestionHealth {
  const count = (name: string) => counters.find((c) => c.name === name)?.count ?? 0;
  const rejected = counters.filter((c) => c.name.startsWith('rejected:')).reduce((sum, c) => sum + c.count, 0);
  const waitingMs = activity.oldestUnfollowedSendAt === null ? 0 : now - activity.oldestUnfollowedSendAt;
  const warning =
    waitingMs > staleMinutes * 60_000
      ? `Emails were sent ${Math.round(waitingMs / 60_000)} minutes ago and no SES event has arrived since` +
        ` (limit ${staleMinutes} min). Check the SNS subscription (kuratchi-ses status) and the webhook's answers.`
      : null;
  return {
    lastEventReceivedAt: activity.lastEventReceivedAt,
    verified: count('verified'),
    rejected,
    duplicate: count('outcome:duplicate'),
    parked: count('outcome:parked'),
    applied: count('outcome:applied'),
    warning,
  };
}
