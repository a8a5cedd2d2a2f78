import { bytesToBase64Url, utf8 } from '../shared/encoding.js';
import { recipientAddress } from './recipient-effects.js';
import { sesEventTime, type SesEvent } from './ses-event.js';

/**
 * Version of the content identity rule: part of every identity, so a future rule never collides
 * with identities stored under this one.
 */
export const CONTENT_IDENTITY_VERSION = 1;

/**
 * The fields that make two SES event records the same event, in order. SES writes one record per
 * event and then publishes it to every destination (event publishing, identity notifications,
 * Firehose); SNS adds a new MessageId to each publication and each redelivery, so the SNS id
 * cannot say that two copies are one event. What can:
 * - `mail.messageId` and `mail.timestamp` (as epoch ms): the message, as SES names it in every form;
 * - `eventType`, with identity notifications already normalised to it by `parseSesEvent`;
 * - the event's own time (`bounce.timestamp`, `delivery.timestamp`, `open.timestamp`…, compared as
 *   epoch ms so `…38.2Z` and `…38.200Z` agree), absent for Send, Reject and Rendering Failure,
 *   which SES emits once per message;
 * - who it concerns: the bounced, complained, delivered or delayed recipients (lower-cased,
 *   sorted, deduplicated: SES lists them per event, not per recipient), the clicked link, and for
 *   opens and clicks the client's IP address and user agent (two people opening within the same
 *   millisecond are two events); a Subscription's contact list.
 * Left out on purpose: `feedbackId` (absent from some records and not documented as equal across
 * the two notification forms), SMTP responses, processing times, reporting MTAs and tags (detail,
 * not identity), and the SNS envelope. Two records equal on every field above are one event.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html (at-least-once)
 */
export function sesEventIdentityFields(event: SesEvent): Array<string | number> {
  const head: Array<string | number> = [
    CONTENT_IDENTITY_VERSION,
    event.eventType,
    event.mail.messageId,
    Date.parse(event.mail.timestamp),
  ];
  switch (event.eventType) {
    case 'Send':
    case 'Reject':
    case 'Rendering Failure':
      return head;
    case 'Delivery':
      return [...head, sesEventTime(event), ...addresses(event.delivery.recipients)];
    case 'Bounce':
      return [...head, sesEventTime(event), ...addresses(event.bounce.bouncedRecipients.map((r) => r.emailAddress))];
    case 'Complaint':
      return [
        ...head,
        sesEventTime(event),
        ...addresses(event.complaint.complainedRecipients.map((r) => r.emailAddress)),
      ];
    case 'DeliveryDelay':
      return [
        ...head,
        sesEventTime(event),
        ...addresses(event.deliveryDelay.delayedRecipients.map((r) => r.emailAddress)),
      ];
    case 'Open':
      return [...head, sesEventTime(event), event.open.ipAddress ?? '', event.open.userAgent ?? ''];
    case 'Click':
      return [...head, sesEventTime(event), event.click.link, event.click.ipAddress ?? '', event.click.userAgent ?? ''];
    case 'Subscription':
      return [...head, sesEventTime(event), event.subscription.contactList ?? ''];
  }
}

/**
 * The content identity of an SES event: SHA-256 of the JSON array of
 * {@link sesEventIdentityFields}, base64url (43 characters). Equal for every copy of one event,
 * whichever way it came (SNS, a redriven copy, Firehose, an import); different for different events.
 * @see https://developers.cloudflare.com/workers/runtime-apis/web-crypto/
 */
export async function sesEventContentId(event: SesEvent): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', utf8(JSON.stringify(sesEventIdentityFields(event))));
  return bytesToBase64Url(new Uint8Array(digest));
}

/** The SNS-id column value of an event that came without an SNS MessageId (Firehose, import). */
export function contentKeyedMessageId(contentId: string): string {
  return `content:${contentId}`;
}

function addresses(list: readonly string[]): string[] {
  return [...new Set(list.map(recipientAddress))].sort();
}
