import { z } from 'zod';
import { SesEventParseError } from './errors.js';

/**
 * SES event records as SES publishes them to SNS, in both forms:
 * - event publishing through a configuration set (`eventType`, all ten types);
 * - identity notifications (`notificationType`: Bounce, Complaint, Delivery), normalised here to
 *   the same shape with `eventType` set and empty `tags`.
 * Objects are loose: fields AWS adds later are kept, fields AWS omits are optional.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 */

const timestamp = z.iso.datetime({ offset: true });

/** `mail`: the message the event is about. Tags are lists of strings per tag name. */
const mail = z.looseObject({
  timestamp,
  messageId: z.string().min(1),
  source: z.string().optional(),
  sourceArn: z.string().optional(),
  sendingAccountId: z.string().optional(),
  destination: z.array(z.string()).optional(),
  headersTruncated: z.boolean().optional(),
  headers: z.array(z.looseObject({ name: z.string(), value: z.string() })).optional(),
  commonHeaders: z.looseObject({}).optional(),
  tags: z.record(z.string(), z.array(z.string())).default({}),
});

const recipient = z.looseObject({ emailAddress: z.string() });

const send = z.looseObject({ eventType: z.literal('Send'), mail, send: z.looseObject({}).default({}) });

const reject = z.looseObject({ eventType: z.literal('Reject'), mail, reject: z.looseObject({ reason: z.string() }) });

const bounce = z.looseObject({
  eventType: z.literal('Bounce'),
  mail,
  bounce: z.looseObject({
    bounceType: z.string(),
    bounceSubType: z.string(),
    bouncedRecipients: z.array(
      recipient.extend({
        action: z.string().optional(),
        status: z.string().optional(),
        diagnosticCode: z.string().optional(),
      }),
    ),
    timestamp,
    feedbackId: z.string().optional(),
    reportingMTA: z.string().optional(),
    remoteMtaIp: z.string().optional(),
  }),
});

const complaint = z.looseObject({
  eventType: z.literal('Complaint'),
  mail,
  complaint: z.looseObject({
    complainedRecipients: z.array(recipient),
    timestamp,
    feedbackId: z.string().optional(),
    complaintSubType: z.string().nullish(),
    userAgent: z.string().optional(),
    complaintFeedbackType: z.string().optional(),
    arrivalDate: z.string().optional(),
  }),
});

const delivery = z.looseObject({
  eventType: z.literal('Delivery'),
  mail,
  delivery: z.looseObject({
    timestamp,
    processingTimeMillis: z.number().optional(),
    recipients: z.array(z.string()),
    smtpResponse: z.string().optional(),
    reportingMTA: z.string().optional(),
    remoteMtaIp: z.string().optional(),
  }),
});

/**
 * SES's own bot verdict on an Open or Click, inside the `open` / `click` object: `Likely` or
 * `Unlikely` (a string), on configuration-set event destinations only; older events lack it. Any
 * value is accepted: one other than those two is stored raw and treated as absent
 * (`ses-events/engagement.ts`).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
const isBotEvent = z.unknown().optional();

const open = z.looseObject({
  eventType: z.literal('Open'),
  mail,
  open: z.looseObject({ timestamp, ipAddress: z.string().optional(), userAgent: z.string().optional(), isBotEvent }),
});

const click = z.looseObject({
  eventType: z.literal('Click'),
  mail,
  click: z.looseObject({
    timestamp,
    link: z.string(),
    linkTags: z.record(z.string(), z.array(z.string())).optional(),
    ipAddress: z.string().optional(),
    userAgent: z.string().optional(),
    isBotEvent,
  }),
});

const renderingFailure = z.looseObject({
  eventType: z.literal('Rendering Failure'),
  mail,
  failure: z.looseObject({ errorMessage: z.string(), templateName: z.string() }),
});

const deliveryDelay = z.looseObject({
  eventType: z.literal('DeliveryDelay'),
  mail,
  deliveryDelay: z.looseObject({
    timestamp,
    delayType: z.string(),
    expirationTime: z.string().optional(),
    delayedRecipients: z.array(
      recipient.extend({ status: z.string().optional(), diagnosticCode: z.string().optional() }),
    ),
    reportingMTA: z.string().optional(),
  }),
});

const subscription = z.looseObject({
  eventType: z.literal('Subscription'),
  mail,
  subscription: z.looseObject({
    timestamp,
    contactList: z.string().optional(),
    source: z.string().optional(),
    newTopicPreferences: z.looseObject({}).optional(),
    oldTopicPreferences: z.looseObject({}).optional(),
  }),
});

/** Zod schema of every SES event record, discriminated by `eventType`. */
export const sesEventSchema = z.discriminatedUnion('eventType', [
  send,
  reject,
  bounce,
  complaint,
  delivery,
  open,
  click,
  renderingFailure,
  deliveryDelay,
  subscription,
]);

/** An SES event record (either source form, normalised). */
export type SesEvent = z.infer<typeof sesEventSchema>;
/** The ten SES event types, spelled as SES writes them. */
export type SesEventType = SesEvent['eventType'];
/** The event record of one type. */
export type SesEventOf<T extends SesEventType> = Extract<SesEvent, { eventType: T }>;

/** Every `eventType` value SES publishes. */
export const SES_EVENT_TYPES: readonly SesEventType[] = [
  'Send',
  'Reject',
  'Bounce',
  'Complaint',
  'Delivery',
  'Open',
  'Click',
  'Rendering Failure',
  'DeliveryDelay',
  'Subscription',
];

/** `notificationType` values of identity notifications that map onto event types. */
const NOTIFICATION_TYPES: readonly string[] = ['Bounce', 'Complaint', 'Delivery'];

/**
 * Parses the `Message` of an SNS notification into an SES event record.
 * @param message the JSON text of the SNS `Message`, or the already decoded object.
 * @throws {SesEventParseError} `not-json`; `unknown-event-type` for anything SES event tracking
 *   does not handle (inbound `Received` mail, the `AmazonSnsSubscriptionSucceeded` notice, other
 *   publishers); `invalid-event` when a known type lacks a required field.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
 */
export function parseSesEvent(message: string | object): SesEvent {
  let value: unknown = message;
  if (typeof message === 'string') {
    try {
      value = JSON.parse(message);
    } catch {
      throw new SesEventParseError('not-json', 'SES event is not JSON');
    }
  }
  const record = normaliseNotificationForm(value);
  const eventType = record?.['eventType'];
  if (typeof eventType !== 'string' || !(SES_EVENT_TYPES as readonly string[]).includes(eventType)) {
    const shown = typeof eventType === 'string' ? JSON.stringify(eventType) : 'no eventType';
    throw new SesEventParseError('unknown-event-type', `not an SES event record (${shown})`);
  }
  const result = sesEventSchema.safeParse(record);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SesEventParseError(
      'invalid-event',
      `${eventType} event ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}

/** When the event happened: its own timestamp, or the send time for Send, Reject and Rendering Failure. */
export function sesEventTime(event: SesEvent): number {
  return Date.parse(eventDetailTimestamp(event) ?? event.mail.timestamp);
}

/** The event's detail object (`bounce`, `open`, `failure`…). */
export function sesEventDetail(event: SesEvent): Record<string, unknown> {
  switch (event.eventType) {
    case 'Send':
      return event.send;
    case 'Reject':
      return event.reject;
    case 'Bounce':
      return event.bounce;
    case 'Complaint':
      return event.complaint;
    case 'Delivery':
      return event.delivery;
    case 'Open':
      return event.open;
    case 'Click':
      return event.click;
    case 'Rendering Failure':
      return event.failure;
    case 'DeliveryDelay':
      return event.deliveryDelay;
    case 'Subscription':
      return event.subscription;
  }
}

function eventDetailTimestamp(event: SesEvent): string | undefined {
  const detail = sesEventDetail(event);
  return typeof detail['timestamp'] === 'string' ? detail['timestamp'] : undefined;
}

function normaliseNotificationForm(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const notificationType = record['notificationType'];
  if (record['eventType'] !== undefined || typeof notificationType !== 'string') return record;
  if (!NOTIFICATION_TYPES.includes(notificationType)) return record;
  const { notificationType: _, ...rest } = record;
  return { eventType: notificationType, ...rest };
}
