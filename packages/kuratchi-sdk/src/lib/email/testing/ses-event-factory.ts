import type { SesEvent, SesEventType } from '../events/ses-event.js';

/** What varies between generated SES events; everything else is realistic filler. */
export interface SesEventSpec {
  eventType: SesEventType;
  /** SES message id (`mail.messageId`). */
  messageId: string;
  /** Event time; Send, Reject and Rendering Failure use it as `mail.timestamp`. */
  time: Date;
  recipient?: string;
  /** Message tags (`mail.tags`), e.g. the SDK's routing tags. */
  tags?: Record<string, string[]>;
  /** Bounce: bounceType (default Permanent) and bounceSubType (default General). */
  bounceType?: string;
  bounceSubType?: string;
  /** Click: the clicked link. */
  link?: string;
  /** Complaint: feedback type (default abuse). */
  complaintFeedbackType?: string;
  /** DeliveryDelay: delay type (default TransientCommunicationFailure). */
  delayType?: string;
  /** Reject: reason (default Bad content). */
  rejectReason?: string;
}

const SENDER = 'sender@example.com';

/**
 * Builds an SES event record in the shape SES publishes to SNS (see the AWS developer guide's
 * examples), for tests, the demo and `kuratchi-ses simulate`.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html
 */
export function buildSesEvent(spec: SesEventSpec): SesEvent {
  const recipient = spec.recipient ?? 'recipient@example.com';
  const at = spec.time.toISOString();
  const sentAtSendTime = ['Send', 'Reject', 'Rendering Failure'].includes(spec.eventType);
  const mail = {
    timestamp: sentAtSendTime ? at : new Date(spec.time.getTime() - 60_000).toISOString(),
    source: SENDER,
    sendingAccountId: '123456789012',
    messageId: spec.messageId,
    destination: [recipient],
    headersTruncated: false,
    commonHeaders: { from: [SENDER], to: [recipient], subject: 'Hello from kuratchi' },
    tags: { 'ses:configuration-set': ['kuratchi-email-tracking'], ...spec.tags },
  };
  const agent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
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
    case 'Bounce':
      return {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: spec.bounceType ?? 'Permanent',
          bounceSubType: spec.bounceSubType ?? 'General',
          bouncedRecipients: [
            {
              emailAddress: recipient,
              action: 'failed',
              status: '5.1.1',
              diagnosticCode: 'smtp; 550 5.1.1 user unknown',
            },
          ],
          timestamp: at,
          feedbackId: `${spec.messageId}-bounce`,
          reportingMTA: 'dsn; mta.example.com',
        },
      };
    case 'Complaint':
      return {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: [{ emailAddress: recipient }],
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
          processingTimeMillis: 1200,
          recipients: [recipient],
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'a8-70.smtp-out.amazonses.com',
        },
      };
    case 'Open':
      return { eventType: 'Open', mail, open: { timestamp: at, ipAddress: '192.0.2.1', userAgent: agent } };
    case 'Click':
      return {
        eventType: 'Click',
        mail,
        click: {
          timestamp: at,
          ipAddress: '192.0.2.1',
          userAgent: agent,
          link: spec.link ?? 'https://example.com/',
          linkTags: {},
        },
      };
    case 'DeliveryDelay':
      return {
        eventType: 'DeliveryDelay',
        mail,
        deliveryDelay: {
          timestamp: at,
          delayType: spec.delayType ?? 'TransientCommunicationFailure',
          expirationTime: new Date(spec.time.getTime() + 86_400_000).toISOString(),
          delayedRecipients: [
            { emailAddress: recipient, status: '4.4.1', diagnosticCode: 'smtp; 421 4.4.1 Unable to connect' },
          ],
          reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
        },
      };
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
