import { describe, expect, it } from 'vitest';
import { suppressionsOf } from '../ses-events/apply.js';
import { parseSesEvent, type SesEventOf } from '../ses-events/ses-event.js';
import { buildSesEvent, type SesEventSpec } from './ses-event-factory.js';

const time = new Date(Date.UTC(2026, 10, 30, 9, 0, 0));
const base = { messageId: 'ses-factory', time };

/** Built, then read back the way the webhook reads it (JSON text through the parser). */
function built<T extends SesEventSpec['eventType']>(spec: SesEventSpec & { eventType: T }): SesEventOf<T> {
  return parseSesEvent(JSON.stringify(buildSesEvent(spec))) as SesEventOf<T>;
}

describe('buildSesEvent', () => {
  it('addresses one recipient by default, in the mail object and in the event', () => {
    const bounce = built({ ...base, eventType: 'Bounce', recipient: 'ana@example.com' });
    expect(bounce.mail.destination).toEqual(['ana@example.com']);
    expect(bounce.mail.commonHeaders).toEqual({
      from: ['sender@example.com'],
      to: ['ana@example.com'],
      subject: 'Hello from kuratchi',
    });
    expect(bounce.bounce.bouncedRecipients).toEqual([
      {
        emailAddress: 'ana@example.com',
        action: 'failed',
        status: '5.1.1',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      },
    ]);
    expect(built({ ...base, eventType: 'Delivery' }).delivery.recipients).toEqual(['recipient@example.com']);
  });

  it('lists To, CC and BCC in mail.destination, never BCC in a header, and the concerned recipients per event', () => {
    const message = { ...base, to: ['ana@example.com'], cc: ['ben@example.org'], bcc: ['Chloe@Example.net'] };
    const delivery = built({ ...message, eventType: 'Delivery', recipients: ['ben@example.org', 'Chloe@Example.net'] });
    expect(delivery.mail.destination).toEqual(['ana@example.com', 'ben@example.org', 'Chloe@Example.net']);
    expect(delivery.mail.commonHeaders).toMatchObject({ to: ['ana@example.com'], cc: ['ben@example.org'] });
    expect(JSON.stringify(delivery.mail.commonHeaders)).not.toContain('Chloe');
    expect(delivery.delivery.recipients).toEqual(['ben@example.org', 'Chloe@Example.net']);

    const bounce = built({ ...message, eventType: 'Bounce', recipients: ['Chloe@Example.net'] });
    expect(bounce.bounce.bouncedRecipients.map((r) => r.emailAddress)).toEqual(['Chloe@Example.net']);
    expect(suppressionsOf(bounce)).toEqual([
      { emailAddress: 'chloe@example.net', reason: 'bounce', detail: 'General: smtp; 550 5.1.1 user unknown' },
    ]);

    const everyone = built({ ...message, eventType: 'DeliveryDelay' });
    expect(everyone.deliveryDelay.delayedRecipients.map((r) => r.emailAddress)).toEqual(
      message.to.concat(message.cc, message.bcc),
    );
    const complaint = built({ ...message, eventType: 'Complaint', recipients: ['ana@example.com'] });
    expect(complaint.complaint.complainedRecipients).toEqual([{ emailAddress: 'ana@example.com' }]);
  });

  it('takes the DSN of a bounce, the send time, the sender and the subject', () => {
    const sentAt = new Date(time.getTime() - 4_000);
    const bounce = built({
      ...base,
      eventType: 'Bounce',
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
      dsn: { status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 mailbox full' },
      sentAt,
      from: 'hello@acme.example',
      subject: 'Your receipt',
    });
    expect(bounce.bounce.bouncedRecipients[0]).toMatchObject({
      status: '4.2.2',
      diagnosticCode: 'smtp; 452 4.2.2 mailbox full',
    });
    expect(bounce.mail).toMatchObject({ timestamp: sentAt.toISOString(), source: 'hello@acme.example' });
    expect(bounce.mail.commonHeaders).toMatchObject({ from: ['hello@acme.example'], subject: 'Your receipt' });
    // Send-time events carry their own time as the send time.
    expect(built({ ...base, eventType: 'Send', sentAt }).mail.timestamp).toBe(time.toISOString());
  });

  it('puts the user agent and IP address on opens and clicks', () => {
    const client = { userAgent: 'Mozilla/5.0', ipAddress: '2001:db8::17' };
    expect(built({ ...base, eventType: 'Open', ...client }).open).toMatchObject(client);
    const click = built({ ...base, eventType: 'Click', link: 'https://example.com/docs', ...client });
    expect(click.click).toMatchObject({ ...client, link: 'https://example.com/docs' });
    expect(built({ ...base, eventType: 'Open' }).open.ipAddress).toBe('192.0.2.1');
  });

  it("puts SES's isBotEvent on opens and clicks only when given", () => {
    expect(built({ ...base, eventType: 'Open', isBotEvent: 'Likely' }).open.isBotEvent).toBe('Likely');
    expect(built({ ...base, eventType: 'Click', isBotEvent: 'Unlikely' }).click.isBotEvent).toBe('Unlikely');
    expect('isBotEvent' in built({ ...base, eventType: 'Open' }).open).toBe(false);
  });
});
