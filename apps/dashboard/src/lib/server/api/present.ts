import type { EmailLogRow, EmailTimelineEvent, FeedEvent, LastEvent } from 'kuratchi-sdk/internal/d1';
import type { SuppressionListEntry } from 'kuratchi-sdk/internal/send';
import type { z } from 'zod';
import type { emailItem, eventPage, suppressionItem } from './schemas';

/**
 * The API's view of the SDK's rows (schemas.ts): ISO 8601 times, human and machine counts, the
 * names a client reads. Internal columns (ingest tokens, archive keys, rule versions) stay out.
 */

/** An epoch-ms time as ISO 8601 UTC. */
export const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** An email of a list page with its recipients' outcomes and its latest event. */
export function emailItemOf(email: EmailLogRow, last: LastEvent | undefined): z.output<typeof emailItem> {
  return {
    id: email.id,
    status: email.status,
    from: email.sender,
    to: email.recipient,
    subject: email.subject,
    emailType: email.emailType,
    sesMessageId: email.sesMessageId,
    error: email.error,
    userId: email.userId,
    metadata: email.metadata,
    createdAt: iso(email.createdAt),
    sentAt: isoOrNull(email.sentAt),
    deliveredAt: isoOrNull(email.deliveredAt),
    openedAt: isoOrNull(email.openedAt),
    clickedAt: isoOrNull(email.clickedAt),
    bouncedAt: isoOrNull(email.bouncedAt),
    complainedAt: isoOrNull(email.complainedAt),
    rejectedAt: isoOrNull(email.rejectedAt),
    failedAt: isoOrNull(email.failedAt),
    opens: { human: email.openCount - email.machineOpenCount, machine: email.machineOpenCount },
    clicks: { human: email.clickCount - email.machineClickCount, machine: email.machineClickCount },
    recipients: email.recipientOutcomes,
    lastEvent: last ? { type: last.eventType, occurredAt: iso(last.occurredAt) } : null,
  };
}

/** An event of an email's timeline, with who decided its verdict (`verdictBy`: a rule id). */
export function timelineItemOf(event: EmailTimelineEvent) {
  return {
    id: event.snsMessageId,
    type: event.eventType,
    occurredAt: iso(event.occurredAt),
    receivedAt: iso(event.receivedAt),
    engagement: event.engagement,
    verdictBy: event.engagementRule,
    detail: event.detail,
  };
}

/** An event of the feed, at its position. */
export function feedItemOf(event: FeedEvent): z.output<typeof eventPage>['events'][number] {
  return {
    position: event.position,
    emailId: event.emailId,
    sesMessageId: event.sesMessageId,
    id: event.snsMessageId,
    type: event.eventType,
    occurredAt: iso(event.occurredAt),
    receivedAt: iso(event.receivedAt),
    engagement: event.engagement,
    detail: event.detail,
  };
}

/** A suppression-list entry. */
export function suppressionItemOf(entry: SuppressionListEntry): z.output<typeof suppressionItem> {
  return {
    address: entry.emailAddress,
    reason: entry.reason,
    detail: entry.detail,
    sourceEmailId: entry.sourceEmailId,
    createdAt: iso(entry.createdAt),
  };
}
