import {
  initialRecipientTracking,
  type EmailStatus,
  type RecipientEffect,
  type RecipientEffectGroup,
  type RecipientTracking,
} from '../model.js';
import { applyEffects } from './apply.js';
import { sesEventTime, type SesEvent } from './ses-event.js';

/**
 * What an SES event does to the recipients of its message, as groups of recipients sharing the
 * same effects (see `FieldEffect`): the per-recipient twin of `effectsOf`, with the same rules
 * (status only rises in the same precedence order; each time field keeps its earliest event).
 * - Delivery, Bounce, Complaint and DeliveryDelay concern the recipients SES lists in them
 *   (`delivery.recipients`, `bounce.bouncedRecipients`, `complaint.complainedRecipients`,
 *   `deliveryDelay.delayedRecipients`); a bounce's recipients are grouped by diagnostic code.
 * - Send, Reject and Rendering Failure concern the whole message: every address of
 *   `mail.destination` (To, CC and BCC).
 * - Open, Click and Subscription concern none: SES cannot tell which recipient opened or clicked.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function recipientEffectsOf(event: SesEvent): RecipientEffectGroup[] {
  const time = sesEventTime(event);
  const everyone = (effects: RecipientEffect[]) => group(event.mail.destination ?? [], effects);
  switch (event.eventType) {
    case 'Send':
      return everyone([raise('sent'), { kind: 'earliest', at: 'sentAt', time }]);
    case 'Reject':
      return everyone([raise('rejected')]);
    case 'Rendering Failure':
      return everyone([raise('failed')]);
    case 'Delivery':
      return group(event.delivery.recipients, [
        raise('delivered'),
        { kind: 'earliest', at: 'deliveredAt', time, details: { smtpResponse: event.delivery.smtpResponse ?? null } },
      ]);
    case 'DeliveryDelay':
      return group(
        event.deliveryDelay.delayedRecipients.map((r) => r.emailAddress),
        [
          raise('delayed'),
          { kind: 'earliest', at: 'delayedAt', time, details: { deliveryDelayType: event.deliveryDelay.delayType } },
        ],
      );
    case 'Bounce': {
      const byDiagnostic = new Map<string | null, string[]>();
      for (const r of event.bounce.bouncedRecipients) {
        const key = r.diagnosticCode ?? null;
        byDiagnostic.set(key, [...(byDiagnostic.get(key) ?? []), r.emailAddress]);
      }
      return [...byDiagnostic].flatMap(([diagnostic, addresses]) =>
        group(addresses, [
          raise('bounced'),
          {
            kind: 'earliest',
            at: 'bouncedAt',
            time,
            details: {
              bounceType: event.bounce.bounceType,
              bounceSubType: event.bounce.bounceSubType,
              bounceDiagnostic: diagnostic,
            },
          },
        ]),
      );
    }
    case 'Complaint':
      return group(
        event.complaint.complainedRecipients.map((r) => r.emailAddress),
        [
          raise('complained'),
          {
            kind: 'earliest',
            at: 'complainedAt',
            time,
            details: { complaintFeedbackType: event.complaint.complaintFeedbackType ?? null },
          },
        ],
      );
    case 'Open':
    case 'Click':
    case 'Subscription':
      return [];
  }
}

/**
 * The bare, lower-cased address of a recipient as SES writes it (`jane@example.com`, or
 * `"Jane" <Jane@Example.com>` in some fields): the key of `email_recipients` and of the
 * suppression list.
 */
export function recipientAddress(text: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(text);
  return (angle ? angle[1]! : text).trim().toLowerCase();
}

/**
 * The recipients after one more distinct event: pure, never mutates `recipients`. A recipient that
 * the event names and the map lacks is added (SES named it, so the message had it). Applying the
 * events of a set in any order gives the same map.
 */
export function applyRecipientEvent(
  recipients: ReadonlyMap<string, RecipientTracking>,
  event: SesEvent,
): Map<string, RecipientTracking> {
  const next = new Map(recipients);
  for (const { addresses, effects } of recipientEffectsOf(event)) {
    for (const address of addresses) {
      next.set(address, applyEffects(next.get(address) ?? initialRecipientTracking(), effects));
    }
  }
  return next;
}

/**
 * How many recipients have each status: the split the email log shows ("2 delivered, 1 bounced").
 * The email's own status is the highest of them in the precedence order (a problem with any
 * recipient shows on the email), which is what the email row's effects compute directly.
 */
export function recipientOutcomeCounts(
  recipients: Iterable<{ status: EmailStatus }>,
): Partial<Record<EmailStatus, number>> {
  const counts: Partial<Record<EmailStatus, number>> = {};
  for (const { status } of recipients) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function raise(status: EmailStatus): RecipientEffect {
  return { kind: 'raise-status', status };
}

function group(addresses: readonly string[], effects: RecipientEffect[]): RecipientEffectGroup[] {
  const unique = [...new Set(addresses.map(recipientAddress).filter(Boolean))].sort();
  return unique.length ? [{ addresses: unique, effects }] : [];
}
