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
 * deleted (`expired`: dropped and counted, never parked nor recorded). An event with no route
 * is expired when its mail (`mail.timestamp`) is older than the emails cutoff of the
 * organisation its `kuratchi-org-id` tag names: its email and route were purged, and nothing will
 * ever route it (the tag is no route; here it can only turn a park that would end as a dead
 * letter into a drop). An event without the tag, or of mail within the cutoff, is parked as
 * before. A routed event is expired only when `import` brings it: older than the events cutoff
 * (its raw row is gone, so it cannot be known a duplicate, and would count twice), or of mail
 * older than the emails cutoff. Live events of a kept email are recorded whatever their age (a
 * late bounce still sets the email's status). One `retention` call for the events whose mail is
 * older than a day; none without `retention`.
 * @returns one flag per event, in order.
 * @throws what `retention` throws (a database error: the caller retries).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html (mail.timestamp, tags)
 */
export async function expiredByRetention(
  retention: RetentionLookup | undefined,
  events: readonly GatedEvent[],
  now: Date,
): Promise<boolean[]> {
  const expired = events.map(() => false);
  if (!retention) return expired;
  const candidates = events.flatMap((item, i) => {
    const organizationId = item.organizationId ?? item.event.mail.tags[KURATCHI_TAGS.organizationId]?.[0];
    const old = Date.parse(item.event.mail.timestamp) < now.getTime() - SHORTEST_RETENTION_MS;
    const gated = item.organizationId === undefined || item.source === 'import';
    return organizationId && old && gated ? [{ i, organizationId }] : [];
  });
  if (!candidates.length) return expired;
  const cutoffs = await retention([...new Set(candidates.map((c) => c.organizationId))], now);
  for (const { i, organizationId } of candidates) {
    const cut = cutoffs.get(organizationId);
    const { event } = events[i]!;
    if (!cut) continue;
    expired[i] =
      Date.parse(event.mail.timestamp) < cut.emails ||
      (events[i]!.organizationId !== undefined && sesEventTime(event) < cut.events);
  }
  return expired;
}
