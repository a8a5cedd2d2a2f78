import { sesEventTime, type SesEvent } from '../ses-events/ses-event.js';

/**
 * What one SES event record states, in one line: "Delivered to x@example.com at T, SMTP 250 …",
 * "Bounced (Permanent/General) x@example.com at T", "Opened at T from IP (UA)"… T is the event's
 * own time (ISO 8601, UTC). The words are SES's fields, never more than the record says.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function describeSesEvent(event: SesEvent): string {
  const at = new Date(sesEventTime(event)).toISOString();
  switch (event.eventType) {
    case 'Send':
      return `Accepted by SES for sending to ${list(event.mail.destination ?? [])} at ${at}`;
    case 'Reject':
      return `Rejected by SES at ${at}: ${event.reject.reason}`;
    case 'Delivery': {
      const smtp = event.delivery.smtpResponse ? `, SMTP ${event.delivery.smtpResponse}` : '';
      const mta = event.delivery.reportingMTA ? ` (reported by ${event.delivery.reportingMTA})` : '';
      return `Delivered to ${list(event.delivery.recipients)} at ${at}${smtp}${mta}`;
    }
    case 'Bounce': {
      const { bounceType, bounceSubType, bouncedRecipients } = event.bounce;
      const codes = bouncedRecipients.map((r) => r.diagnosticCode).filter((c): c is string => !!c);
      const why = codes.length ? `: ${codes.join('; ')}` : '';
      return `Bounced (${bounceType}/${bounceSubType}) ${list(bouncedRecipients.map((r) => r.emailAddress))} at ${at}${why}`;
    }
    case 'Complaint': {
      const type = event.complaint.complaintFeedbackType ? ` (${event.complaint.complaintFeedbackType})` : '';
      return `Complaint${type} by ${list(event.complaint.complainedRecipients.map((r) => r.emailAddress))} at ${at}`;
    }
    case 'Open':
      return `Opened at ${at}${from(event.open.ipAddress, event.open.userAgent)}`;
    case 'Click':
      return `Clicked ${event.click.link} at ${at}${from(event.click.ipAddress, event.click.userAgent)}`;
    case 'Rendering Failure':
      return `Rendering failed (template ${event.failure.templateName}) at ${at}: ${event.failure.errorMessage}`;
    case 'DeliveryDelay': {
      const { delayType, delayedRecipients } = event.deliveryDelay;
      return `Delivery delayed (${delayType}) to ${list(delayedRecipients.map((r) => r.emailAddress))} at ${at}`;
    }
    case 'Subscription':
      return `Subscription preferences changed at ${at}${event.subscription.contactList ? ` (contact list ${event.subscription.contactList})` : ''}`;
  }
}

function list(addresses: readonly string[]): string {
  return addresses.length ? addresses.join(', ') : '(no recipient listed)';
}

function from(ip: string | undefined, userAgent: string | undefined): string {
  if (!ip && !userAgent) return '';
  return ` from ${ip ?? 'an unknown address'}${userAgent ? ` (${userAgent})` : ''}`;
}
