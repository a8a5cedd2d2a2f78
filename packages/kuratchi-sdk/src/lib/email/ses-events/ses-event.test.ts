import { describe, expect, it } from 'vitest';
import { SesEventParseError } from './errors.js';
import { parseSesEvent, sesEventDetail, sesEventTime, SES_EVENT_TYPES } from './ses-event.js';

const eventFixtures = import.meta.glob<string>('./fixtures/ses-events/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
});
const notificationFixtures = import.meta.glob<string>('./fixtures/ses-notifications/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
});
const fixture = (name: string) => eventFixtures[`./fixtures/ses-events/${name}.json`]!;

/** Fixture file -> the eventType SES wrote, and the detail's characteristic value. */
const expected: Record<string, [string, (detail: Record<string, unknown>) => unknown, unknown]> = {
  bounce: ['Bounce', (d) => d['bounceType'], 'Permanent'],
  click: ['Click', (d) => d['link'], 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html'],
  complaint: ['Complaint', (d) => d['complaintFeedbackType'], 'abuse'],
  'delivery-delay': ['DeliveryDelay', (d) => d['delayType'], 'TransientCommunicationFailure'],
  delivery: ['Delivery', (d) => d['smtpResponse'], '250 2.6.0 Message received'],
  open: ['Open', (d) => d['ipAddress'], '192.0.2.1'],
  reject: ['Reject', (d) => d['reason'], 'Bad content'],
  'rendering-failure': ['Rendering Failure', (d) => d['templateName'], 'MyTemplate'],
  send: ['Send', (d) => Object.keys(d).length, 0],
  subscription: ['Subscription', (d) => d['contactList'], 'ContactListName'],
};

describe('parseSesEvent on the AWS developer guide examples (event publishing)', () => {
  it('has a fixture for each of the ten event types', () => {
    const types = Object.values(eventFixtures).map((text) => (JSON.parse(text) as { eventType: string }).eventType);
    expect(new Set(types)).toEqual(new Set(SES_EVENT_TYPES));
  });

  for (const [name, [eventType, pickDetail, value]] of Object.entries(expected)) {
    it(`${name}.json is a ${eventType} event`, () => {
      const event = parseSesEvent(fixture(name));
      expect(event.eventType).toBe(eventType);
      expect(pickDetail(sesEventDetail(event))).toEqual(value);
      expect(event.mail.messageId).toBe((JSON.parse(fixture(name)) as { mail: { messageId: string } }).mail.messageId);
      expect(event.mail.messageId).toMatch(/^EXAMPLE/);
      expect(event.mail.tags['ses:configuration-set']).toEqual(['ConfigSet']);
      expect(Number.isFinite(sesEventTime(event))).toBe(true);
    });
  }

  it('accepts the decoded object as well as the JSON text', () => {
    expect(parseSesEvent(JSON.parse(fixture('open')) as object)).toEqual(parseSesEvent(fixture('open')));
  });

  it('keeps mail.timestamp and custom tags', () => {
    const event = parseSesEvent(fixture('click'));
    expect(event.mail.timestamp).toBe('2017-08-09T23:50:05.795Z');
    expect(event.mail.tags['myCustomTag1']).toEqual(['myCustomValue1']);
  });

  it('times each event by its own timestamp, and Send/Reject/Rendering Failure by mail.timestamp', () => {
    expect(sesEventTime(parseSesEvent(fixture('bounce')))).toBe(Date.parse('2017-08-05T00:41:02.669Z'));
    expect(sesEventTime(parseSesEvent(fixture('open')))).toBe(Date.parse(JSON.parse(fixture('open')).open.timestamp));
    for (const name of ['send', 'reject', 'rendering-failure']) {
      const event = parseSesEvent(fixture(name));
      expect(sesEventTime(event)).toBe(Date.parse(event.mail.timestamp));
    }
  });
});

describe('parseSesEvent on the classic identity notifications (notificationType)', () => {
  const types: Record<string, string> = {
    'bounce-with-dsn': 'Bounce',
    'bounce-without-dsn': 'Bounce',
    'complaint-with-feedback-report': 'Complaint',
    'complaint-without-feedback-report': 'Complaint',
    delivery: 'Delivery',
  };
  for (const [name, eventType] of Object.entries(types)) {
    it(`${name}.json is normalised to eventType ${eventType}, with empty tags`, () => {
      const text = notificationFixtures[`./fixtures/ses-notifications/${name}.json`]!;
      const event = parseSesEvent(text);
      expect(event.eventType).toBe(eventType);
      expect(event).not.toHaveProperty('notificationType');
      expect(event.mail.tags).toEqual({});
      expect(event.mail.messageId).toBe((JSON.parse(text) as { mail: { messageId: string } }).mail.messageId);
    });
  }
});

describe('parseSesEvent refuses what is not an SES event record', () => {
  const cases: Array<[string, string | object, string]> = [
    ['not JSON', 'Successfully validated SNS topic for Amazon SES event publishing.', 'not-json'],
    ['a JSON array', '[]', 'unknown-event-type'],
    ['a JSON string', '"Bounce"', 'unknown-event-type'],
    ['no type at all', { mail: {} }, 'unknown-event-type'],
    ['an unknown eventType', { eventType: 'Bounced', mail: {} }, 'unknown-event-type'],
    ['RenderingFailure without its space', { eventType: 'RenderingFailure', mail: {} }, 'unknown-event-type'],
    ['an inbound Received notification', { notificationType: 'Received', mail: {} }, 'unknown-event-type'],
    [
      'the subscription-succeeded notice',
      { notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'You have successfully subscribed' },
      'unknown-event-type',
    ],
  ];
  for (const [name, input, code] of cases) {
    it(`${name}: ${code}`, () => {
      expect(() => parseSesEvent(input)).toThrow(expect.objectContaining({ code }));
    });
  }

  it('a known type missing a required field names the field (invalid-event)', () => {
    const bounce = JSON.parse(fixture('bounce')) as { bounce: Record<string, unknown> };
    delete bounce.bounce['bounceType'];
    const error = (() => {
      try {
        parseSesEvent(bounce);
      } catch (e) {
        return e;
      }
    })() as SesEventParseError;
    expect(error).toBeInstanceOf(SesEventParseError);
    expect(error.code).toBe('invalid-event');
    expect(error.message).toContain('bounce.bounceType');
  });

  it('a bad mail.timestamp or missing messageId is invalid-event', () => {
    const open = JSON.parse(fixture('open')) as { mail: Record<string, unknown> };
    expect(() => parseSesEvent({ ...open, mail: { ...open.mail, timestamp: 'yesterday' } })).toThrow(
      expect.objectContaining({ code: 'invalid-event' }),
    );
    const { messageId: _, ...mail } = open.mail;
    expect(() => parseSesEvent({ ...open, mail })).toThrow(expect.objectContaining({ code: 'invalid-event' }));
  });
});
