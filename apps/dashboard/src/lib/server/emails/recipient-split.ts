import { EMAIL_STATUSES, type EmailStatus } from 'kuratchi-sdk/internal/events';

/**
 * The split of an email's recipients by outcome, in status order ("2 delivered, 1 bounced"), or
 * null when it has at most one recipient (its status says it all).
 */
export function recipientSplit(counts: Partial<Record<EmailStatus, number>>): string | null {
  const parts = EMAIL_STATUSES.filter((status) => (counts[status] ?? 0) > 0).map(
    (status) => `${counts[status]} ${status}`,
  );
  const total = EMAIL_STATUSES.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  return total > 1 ? parts.join(', ') : null;
}

/** How many recipients an email has beyond its To list (CC and BCC), from its outcome counts. */
export function extraRecipients(recipient: string, counts: Partial<Record<EmailStatus, number>>): number {
  const total = EMAIL_STATUSES.reduce((sum, status) => sum + (counts[status] ?? 0), 0);
  return Math.max(0, total - recipient.split(',').filter((a) => a.trim()).length);
}
