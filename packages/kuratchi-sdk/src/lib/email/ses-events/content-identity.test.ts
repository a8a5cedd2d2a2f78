import { describe, expect, it } from 'vitest';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import { contentKeyedMessageId, sesEventContentId, sesEventIdentityFields } from './content-identity.js';
import { parseSesEvent, type SesEvent } from './ses-event.js';

const glob = (files: Record<string, string>) =>
  Object.entries(files).map(
    ([path, text]) => [path.split('/').at(-1)!, JSON.parse(text) as Record<string, unknown>] as const,
  );
const notifications = glob(
  import.meta.glob<string>('./fixtures/ses-notifications/*.json', { eager: true, query: '?raw', import: 'default' }),
);
const published = glob(
  import.meta.glob<string>('./fixtures/ses-events/*.json', { eager: true, query: '?raw', import: 'default' }),
);
const id = (record: unknown) => sesEventContentId(parseSesEvent(record as object));
const time = new Date('2026-03-01T10:00:00.000Z');

/** A copy of `record` with `path` (dotted) set to `value`. */
function withField(record: SesEvent, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
  return copy;
}

describe('sesEventContentId', () => {
  it('is a SHA-256 in base64url, and content:<id> keys an event without an SNS MessageId', async () => {
    const contentId = await id(buildSesEvent({ eventType: 'Open', messageId: 'ses-1', time }));
    expect(contentId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(contentKeyedMessageId(contentId)).toBe(`content:${contentId}`);
  });

  // Identity notifications and event publishing on the same topic deliver the same bounce,
  // complaint or delivery twice, under two SNS MessageIds and in two forms.
  it.each(notifications)(
    'the identity-notification form of %s and its event-publishing form are one event',
    async (_name, notification) => {
      const { notificationType, ...rest } = notification;
      const publishedForm = {
        eventType: notificationType,
        ...rest,
        mail: { ...(rest.mail as object), tags: { a: ['b'] } },
      };
      expect(await id(publishedForm)).toBe(await id(notification));
    },
  );

  it.each(published)(
    'the AWS example %s keeps its identity through JSON, whatever detail fields are added',
    async (_name, record) => {
      const event = parseSesEvent(record);
      const noisy = { ...record, extraField: 1, mail: { ...(record.mail as object), tags: { other: ['x'] } } };
      expect(await id(noisy)).toBe(await sesEventContentId(event));
    },
  );

  it('ignores detail that does not identify the event: SMTP response, processing time, MTA, recipient order and case', async () => {
    const delivery = buildSesEvent({
      eventType: 'Delivery',
      messageId: 'ses-d',
      time,
      recipients: ['a@example.com', 'b@example.com'],
    });
    const base = await id(delivery);
    expect(await id(withField(delivery, 'delivery.smtpResponse', '250 2.0.0 OK other'))).toBe(base);
    expect(await id(withField(delivery, 'delivery.processingTimeMillis', 1))).toBe(base);
    expect(await id(withField(delivery, 'delivery.reportingMTA', 'other.example.com'))).toBe(base);
    expect(await id(withField(delivery, 'delivery.recipients', ['B@Example.com', 'a@example.com']))).toBe(base);
    // The same instant written with another precision.
    expect(await id(withField(delivery, 'delivery.timestamp', '2026-03-01T10:00:00Z'))).toBe(base);
  });

  it('tells apart events that differ in any identifying field', async () => {
    const click = buildSesEvent({ eventType: 'Click', messageId: 'ses-c', time, link: 'https://example.com/a' });
    const base = await id(click);
    const variants = [
      withField(click, 'mail.messageId', 'ses-other'),
      withField(click, 'mail.timestamp', '2026-02-28T10:00:00.000Z'),
      withField(click, 'click.timestamp', '2026-03-01T10:00:00.001Z'),
      withField(click, 'click.link', 'https://example.com/b'),
      withField(click, 'click.ipAddress', '198.51.100.7'),
      withField(click, 'click.userAgent', 'curl/8.0'),
      { ...withField(click, 'eventType', 'Open'), open: (click as { click: unknown }).click },
    ];
    const ids = await Promise.all(variants.map(id));
    expect(new Set([base, ...ids]).size).toBe(variants.length + 1);

    const bounce = buildSesEvent({ eventType: 'Bounce', messageId: 'ses-b', time, recipients: ['a@example.com'] });
    expect(await id(withField(bounce, 'bounce.bouncedRecipients', [{ emailAddress: 'b@example.com' }]))).not.toBe(
      await id(bounce),
    );
  });

  it('names the fields it hashes, so the rule is reviewable', () => {
    const open = buildSesEvent({ eventType: 'Open', messageId: 'ses-o', time });
    expect(sesEventIdentityFields(open)).toEqual([
      1,
      'Open',
      'ses-o',
      Date.parse(open.mail.timestamp),
      time.getTime(),
      (open as { open: { ipAddress: string } }).open.ipAddress,
      (open as { open: { userAgent: string } }).open.userAgent,
    ]);
  });
});
