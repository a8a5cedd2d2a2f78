import type { SesEvent, SesEventType } from '../ses-events/ses-event.js';

/** What varies between generated SES events; everything else is realistic filler. */
export interface SesEventSpec {
  eventType: SesEventType;
  /** SES message id (`mail.messageId`). */
  messageId: string;
  /** Event time; Send, Reject and Rendering Failure use it as `mail.timestamp`. */
  time: Date;
  /**
   * The recipient when the message has one (default recipient@example.com): its only `To`
   * address, and the one the event concerns. Ignored where `to` is given.
   */
  recipient?: string;
  /** The message's `To` addresses (`mail.commonHeaders.to`); default `[recipient]`. */
  to?: string[];
  /** The message's `CC` addresses (`mail.commonHeaders.cc`). */
  cc?: string[];
  /** The message's `BCC` addresses: in `mail.destination` only, never in a header. */
  bcc?: string[];
  /**
   * The recipients the event concerns: `delivery.recipients`, `bounce.bouncedRecipients`,
   * `complaint.complainedRecipients` or `deliveryDelay.delayedRecipients`. Default: every
   * address of `mail.destination`.
   */
  recipients?: string[];
  /** When SES accepted the message (`mail.timestamp`) for the other types; default a minute before `time`. */
  sentAt?: Date;
  /** The sender (`mail.source`, `commonHeaders.from`); default sender@example.com. */
  from?: string;
  /** `mail.commonHeaders.subject`; default "Hello from kuratchi". */
  subject?: string;
  /** Message tags (`mail.tags`), e.g. the SDK's routing tags. */
  tags?: Record<string, string[]>;
  /** Bounce: bounceType (default Permanent) and bounceSubType (default General). */
  bounceType?: string;
  bounceSubType?: string;
  /**
   * Bounce / DeliveryDelay: each recipient's DSN `status` and `diagnosticCode` (default 5.1.1
   * "user unknown" for a bounce, 4.4.1 "unable to connect" for a delay).
   */
  dsn?: { status: string; diagnosticCode: string };
  /** Click: the clicked link. */
  link?: string;
  /** Open and Click: the client's user agent (default a desktop Chrome on Linux). */
  userAgent?: string;
  /** Open and Click: the client's IP address (default 192.0.2.1). */
  ipAddress?: string;
  /**
   * Open and Click: SES's bot verdict `isBotEvent` (`Likely` / `Unlikely`, or any other value);
   * absent unless given, as in events of identity notifications and older events.
   * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
   */
  isBotEvent?: string;
  /** Delivery: SES's processing time in ms (default 1200). */
  processingTimeMillis?: number;
  /** Complaint: feedback type (default abuse). */
  complaintFeedbackType?: string;
  /** DeliveryDelay: delay type (default TransientCommunicationFailure). */
  delayType?: string;
  /** Reject: reason (default Bad content). */
  rejectReason?: string;
}

const SENDER = 'sender@example.com';
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/**
 * Builds an SES event record in the shape SES publishes to SNS (see the AWS developer guide's
 * contents and examples pages), for tests, the demo and `kuratchi-ses simulate`. One recipient by
 * default; with `to`, `cc`, `bcc` a message to several, `mail.destination` listing them all, and
 * `recipients` naming those a Delivery, Bounce, Complaint or DeliveryDelay concerns.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html
 */
export function buildSesEvent(spec: SesEventSpec): SesEvent {
  const to = spec.to ?? [spec.recipient ?? 'recipient@example.com'];
  const destination = [...to, ...(spec.cc ?? []), ...(spec.bcc ?? [])];
  const concerned = spec.recipients ?? destination;
  const at = spec.time.toISOString();
  const from = spec.from ?? SENDER;
  const sentAtSendTime = ['Send', 'Reject', 'Rendering Failure'].includes(spec.eventType);
  const mail = {
    timestamp: sentAtSendTime ? at : (spec.sentAt ?? new Date(spec.time.getTime() - 60_000)).toISOString(),
    source: from,
    sendingAccountId: '123456789012',
    messageId: spec.messageId,
    destination,
    headersTruncated: false,
    commonHeaders: {
      from: [from],
      to,
      ...(spec.cc?.length ? { cc: spec.cc } : {}),
      subject: spec.subject ?? 'Hello from kuratchi',
    },
    tags: { 'ses:configuration-set': ['kuratchi-email-tracking'], ...spec.tags },
  };
  const agent = spec.userAgent ?? DESKTOP_CHROME;
  const botVerdict = spec.isBotEvent === undefined ? {} : { isBotEvent: spec.isBotEvent };
  const ipAddress = spec.ipAddress ?? '192.0.2.1';
  switch (spec.eventType) {
    case 'Send':
      return { eventType: 'Send', mail, send: {} };
    case 'Reject':
      return { eventType: 'Reject', mail, reject: { reason: spec.rejectReason ?? 'Bad content' } };
    case 'Rendering Failure':
      return {
        eventType: 'Rendering Failure',
        mail,
        failure: { templateName: 'welcome', errorMessage: "Attribute 'name' is not present in the rendering data." },
      };
    case 'Bounce': {
      const dsn = spec.dsn ?? { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' };
      return {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: spec.bounceType ?? 'Permanent',
          bounceSubType: spec.bounceSubType ?? 'General',
          bouncedRecipients: concerned.map((emailAddress) => ({ emailAddress, action: 'failed', ...dsn })),
          timestamp: at,
          feedbackId: `${spec.messageId}-bounce`,
          reportingMTA: 'dsn; mta.example.com',
        },
      };
    }
    case 'Complaint':
      return {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: concerned.map((emailAddress) => ({ emailAddress })),
          timestamp: at,
          feedbackId: `${spec.messageId}-complaint`,
          complaintFeedbackType: spec.complaintFeedbackType ?? 'abuse',
          userAgent: 'ExampleCorp Feedback Loop (V0.01)',
          arrivalDate: at,
        },
      };
    case 'Delivery':
      return {
        eventType: 'Delivery',
        mail,
        delivery: {
          timestamp: at,
          processingTimeMillis: spec.processingTimeMillis ?? 1200,
          recipients: concerned,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'a8-70.smtp-out.amazonses.com',
        },
      };
    case 'Open':
      return { eventType: 'Open', mail, open: { timestamp: at, ipAddress, userAgent: agent, ...botVerdict } };
    case 'Click':
      return {
        eventType: 'Click',
        mail,
        click: {
          timestamp: at,
          ipAddress,
          userAgent: agent,
          link: spec.link ?? 'https://example.com/',
          linkTags: {},
          ...botVerdict,
        },
      };
    case 'DeliveryDelay': {
      const dsn = spec.dsn ?? { status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1 Unable to connect' };
      return {
        eventType: 'DeliveryDelay',
        mail,
        deliveryDelay: {
          timestamp: at,
          delayType: spec.delayType ?? 'TransientCommunicationFailure',
          expirationTime: new Date(spec.time.getTime() + 86_400_000).toISOString(),
          delayedRecipients: concerned.map((emailAddress) => ({ emailAddress, ...dsn })),
          reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
        },
      };
    }
    case 'Subscription':
      return {
        eventType: 'Subscription',
        mail,
        subscription: {
          contactList: 'newsletter',
          timestamp: at,
          source: 'UnsubscribeHeader',
          newTopicPreferences: { unsubscribeAll: true },
          oldTopicPreferences: { unsubscribeAll: false },
        },
      };
  }
}
