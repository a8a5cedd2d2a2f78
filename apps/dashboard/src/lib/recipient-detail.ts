import type { EmailRecipient } from 'kuratchi-sdk/internal/events';
import { formatTime } from './format';

/**
 * What SES said about one recipient, for the detail page: the bounce (type, sub-type, diagnostic
 * code), the complaint, the delay, or the receiving server's answer to the delivery.
 */
export function recipientDetail(recipient: EmailRecipient): string {
  const parts: string[] = [];
  if (recipient.bouncedAt !== null) {
    const type = [recipient.bounceType, recipient.bounceSubType && `(${recipient.bounceSubType})`]
      .filter(Boolean)
      .join(' ');
    parts.push(
      `Bounced: ${type || 'unknown'} ${formatTime(recipient.bouncedAt)}${recipient.bounceDiagnostic ? `, ${recipient.bounceDiagnostic}` : ''}`,
    );
  }
  if (recipient.complainedAt !== null) {
    parts.push(
      `Marked as spam${recipient.complaintFeedbackType ? ` (${recipient.complaintFeedbackType})` : ''} ${formatTime(recipient.complainedAt)}`,
    );
  }
  if (recipient.deliveredAt !== null) {
    parts.push(
      `Delivered ${formatTime(recipient.deliveredAt)}${recipient.smtpResponse ? `: ${recipient.smtpResponse}` : ''}`,
    );
  }
  if (recipient.delayedAt !== null && recipient.deliveredAt === null && recipient.bouncedAt === null) {
    parts.push(`Delayed (${recipient.deliveryDelayType ?? 'unknown'}) ${formatTime(recipient.delayedAt)}`);
  }
  if (!parts.length && recipient.sentAt !== null) parts.push(`Sent ${formatTime(recipient.sentAt)}`);
  return parts.join('; ') || '—';
}
