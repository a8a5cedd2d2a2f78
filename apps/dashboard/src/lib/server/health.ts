import { createD1AdminStore, createD1DeadLetterStore } from 'kuratchi-sdk/internal/d1';
import type {
  DeadLetterReason,
  DeadLetterStore,
  IngestionCounter,
  LagPercentiles,
  ParkStore,
} from 'kuratchi-sdk/internal/events';

/**
 * The figures of one scope of the health panel: an organisation (its routed events), or the whole
 * deployment. Null: not counted for this scope (see {@link DEPLOYMENT_ONLY_FIGURES}).
 */
export interface IngestionFigures {
  /** Verified SNS messages, and refused ones (4xx answers): counted before any route is known. */
  verified: number | null;
  rejected: number | null;
  applied: number;
  duplicate: number;
  /** Parked: waiting for the route (the deployment only) or for the organisation's move. */
  parked: number;
  /** Events whose route named an email row that is gone or bound to another message. */
  orphaned: number;
  /** Events answered `dead-lettered` at once: their message's park was full. */
  parkFull: number;
  /**
   * Events dropped as `expired`: their mail or event older than the organisation's retention
   * (its organisation's share: the one its route, or without a route its tag, named).
   */
  expired: number;
  /** Queued mode: events the webhook handed to the queue, and queue deliveries the consumer retried. */
  queued: number | null;
  retried: number | null;
  /**
   * Records of the unsigned paths that were not SES events and were dropped: Kinesis Data Firehose
   * records (`firehose:refused`) and imported ones (`import:refused`). Zero is the normal state.
   */
  refusedRecords: number | null;
  /** What the park and the dead-letter table hold now (live counts, each read up to a bound). */
  held: HeldNow | null;
  /** SNS Timestamp → applied over the last hour (p50, p99), both modes; null when not read. */
  lag: LagPercentiles | null;
}

/**
 * The figures counted only for the whole deployment: they are counted before an event's route,
 * and so its organisation, is known (a refused or forged message has none; in queued mode the
 * webhook enqueues before routing; the consumer's retries and the unsigned paths' refusals come
 * before routing too). An organisation's admin does not see them; a superadmin does.
 */
export const DEPLOYMENT_ONLY_FIGURES = ['verified', 'rejected', 'queued', 'retried', 'refusedRecords'] as const;

/** The ingestion health panel of the overview page. */
export interface IngestionHealth {
  /** When this organisation last received an SES event (null: never). */
  lastEventReceivedAt: number | null;
  /** Set when emails were sent but no event has followed for longer than the stale window. */
  warning: string | null;
  /** The signed-in organisation's figures, since its counters were created. */
  organization: IngestionFigures;
  /** The whole deployment's figures: superadmins only (null for an organisation's admin). */
  deployment: IngestionFigures | null;
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
 * Reads the live counts of {@link HeldNow} from the park and dead-letter stores: the
 * deployment's, or those attributed to `organizationId` (by their route).
 * @see https://developers.cloudflare.com/d1/platform/pricing/
 */
export async function heldNow(
  stores: {
    park: Pick<ParkStore, 'countParkedEvents'>;
    deadLetters: Pick<DeadLetterStore, 'countByReason'>;
  },
  bound = 10_000,
  organizationId?: string,
): Promise<HeldNow> {
  const [held, byReason] = await Promise.all([
    stores.park.countParkedEvents(bound, organizationId),
    stores.deadLetters.countByReason(bound, organizationId),
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
 * One scope's figures from its counters (`AdminStore.listIngestionCounters`: the deployment's,
 * or an organisation's), with what its park and dead letters hold and its lag.
 */
export function ingestionFigures(
  scope: 'organization' | 'deployment',
  counters: readonly IngestionCounter[],
  held: HeldNow | null = null,
  lag: LagPercentiles | null = null,
): IngestionFigures {
  const count = (name: string) => counters.find((c) => c.name === name)?.count ?? 0;
  const rejected = counters.filter((c) => c.name.startsWith('rejected:')).reduce((sum, c) => sum + c.count, 0);
  const figures: IngestionFigures = {
    verified: count('verified'),
    rejected,
    applied: count('outcome:applied'),
    duplicate: count('outcome:duplicate'),
    parked: count('outcome:parked'),
    orphaned: count('outcome:orphaned'),
    parkFull: count('outcome:dead-lettered'),
    expired: count('outcome:expired'),
    queued: count('outcome:queued'),
    retried: count('consumer:retried'),
    refusedRecords: count('firehose:refused') + count('import:refused'),
    held,
    lag,
  };
  if (scope === 'organization') for (const name of DEPLOYMENT_ONLY_FIGURES) figures[name] = null;
  return figures;
}

/**
 * The window of the lag figures of the health panel.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html (Timestamp)
 */
export const LAG_WINDOW_MS = 3_600_000;

/**
 * Reads one scope's figures from the admin database: an organisation's (`organizationId`) or the
 * deployment's; a few bounded queries, in parallel.
 * @see https://developers.cloudflare.com/d1/platform/pricing/
 */
export async function readIngestionFigures(
  db: D1Database,
  organizationId: string | undefined,
  now: number,
): Promise<IngestionFigures> {
  const admin = createD1AdminStore(db);
  const [counters, held, lag] = await Promise.all([
    admin.listIngestionCounters(organizationId),
    heldNow({ park: admin, deadLetters: createD1DeadLetterStore(db) }, undefined, organizationId),
    admin.lagPercentiles(now - LAG_WINDOW_MS, organizationId),
  ]);
  return ingestionFigures(organizationId === undefined ? 'deployment' : 'organization', counters, held, lag);
}

/**
 * Ingestion health: the organisation's activity with the warning of
 * {@link eventsStoppedWarning}, its figures, and the deployment's for a superadmin.
 */
export function ingestionHealth(
  activity: { lastEventReceivedAt: number | null; oldestUnfollowedSendAt: number | null },
  staleMinutes: number,
  now: number,
  organization: IngestionFigures,
  deployment: IngestionFigures | null = null,
): IngestionHealth {
  return {
    lastEventReceivedAt: activity.lastEventReceivedAt,
    warning: eventsStoppedWarning(activity, staleMinutes, now),
    organization,
    deployment,
  };
}
