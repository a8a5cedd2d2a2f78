import { KURATCHI_TAGS, type SesEventSource } from '../model.js';
import { sesEventTime, type SesEvent } from '../ses-events/ses-event.js';
import type { RetentionLookup } from './ports.js';

/**
 * The shortest retention (1 day): mail younger than this is never past any organisation's, so
 * the gate reads nothing for it (the common case costs no query).
 */
const SHORTEST_RETENTION_MS = 86_400_000;

/** One event as the gate sees it: its source and, when routed, the organisation its route names. */
export interface GatedEvent {
  event: SesEvent;
  source?: SesEventSource | undefined;
  organizationId?: string | undefined;
}

/**
 * Which events retention already purged, so that recording them would bring back what it
 * deleted or count twice (`expired`: dropped and counted, never parked nor recorded):
 * - a routed event whose own time is older than its organisation's events cutoff, whatever brings
 *   it (an SNS retry, a redrive, `import`): its raw row, if it was recorded, is gone, so it cannot
 *   be known a duplicate, and the email's counters and rollups (which outlive raw rows) would
 *   count it twice;
 * - one `import` brings of mail older than the emails cutoff;
 * - an event with no route whose mail (`mail.timestamp`) is older than the emails cutoff of the
 *   organisation its `kuratchi-org-id` tag names: its email and route were purged, and nothing
 *   will ever route it (the tag is no route; here it can only turn a park that would end as a
 *   dead letter into a drop). Without the tag, or within the cutoff, it is parked as before.
 * One `retention` call for the events older than a day (the shortest retention), none for the
 * others, so recording a recent event costs no query; none without `retention`.
 * @returns per event, in order, the organisation whose retention it is past (its route's, or for
 *   one without a route the tag's: its figures count it there), or null when it is not expired.
 * @throws what `retention` throws (a database error: the caller retries).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html (mail.timestamp, tags)
 */
export async function expiredByRetention(
  retention: RetentionLookup | undefined,
  events: readonly GatedEvent[],
  now: Date,
): Promise<Array<string | null>> {
  const expired = events.map((): string | null => null);
  if (!retention) return expired;
  const recent = now.getTime() - SHORTEST_RETENTION_MS;
  const candidates = events.flatMap((item, i) => {
    const routed = item.organizationId !== undefined;
    const organizationId = item.organizationId ?? item.event.mail.tags[KURATCHI_TAGS.organizationId]?.[0];
    const oldMail = Date.parse(item.event.mail.timestamp) < recent;
    const old = routed ? sesEventTime(item.event) < recent || (item.source === 'import' && oldMail) : oldMail;
    return organizationId && old ? [{ i, organizationId }] : [];
  });
  if (!candidates.length) return expired;
  const cutoffs = await retention([...new Set(candidates.map((c) => c.organizationId))], now);
  for (const { i, organizationId } of candidates) {
    const cut = cutoffs.get(organizationId);
    const { event, source } = events[i]!;
    if (!cut) continue;
    const mailExpired = Date.parse(event.mail.timestamp) < cut.emails;
    const past =
      events[i]!.organizationId === undefined
        ? mailExpired
        : sesEventTime(event) < cut.events || (source === 'import' && mailExpired);
    if (past) expired[i] = organizationId;
  }
  return expired;
}
