import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliveriesArbitrary } from '../../../../test/arbitraries.js';
import type { RecipientTracking } from '../model.js';
import { buildSesEvent } from '../testing/ses-event-factory.js';
import {
  applyRecipientEvent,
  recipientAddress,
  recipientEffectsOf,
  recipientOutcomeCounts,
} from './recipient-effects.js';
import { parseSesEvent, type SesEvent } from './ses-event.js';

const T0 = Date.UTC(2026, 0, 1);
const fold = (events: readonly SesEvent[]) => events.reduce(applyRecipientEvent, new Map<string, RecipientTracking>());

/** An event of a message to ann (To), bob (CC) and carla (BCC), with SES's per-recipient lists edited. */
function event(
  eventType: SesEvent['eventType'],
  second: number,
  edit: (detail: Record<string, unknown>) => void = () => {},
) {
  const built = buildSesEvent({
    eventType,
    messageId: 'ses-r',
    time: new Date(T0 + second * 1000),
  }) as unknown as Record<string, Record<string, unknown>>;
  built['mail']!['destination'] = ['ann@example.com', 'Bob@Example.com', 'carla@example.org'];
  const detail = Object.values(built).find((v) => typeof v === 'object' && v !== built['mail']) ?? {};
  edit(detail);
  return parseSesEvent(JSON.stringify(built));
}

describe('recipientEffectsOf', () => {
  it('a Send concerns every address of mail.destination, lower-cased', () => {
    const groups = recipientEffectsOf(event('Send', 0));
    expect(groups.map((g) => g.addresses)).toEqual([['ann@example.com', 'bob@example.com', 'carla@example.org']]);
  });

  it('two deliveries and one permanent bounce: the split says so, each recipient has its own outcome', () => {
    const recipients = fold([
      event('Send', 0),
      event('Delivery', 2, (d) => (d['recipients'] = ['ann@example.com', 'bob@example.com'])),
      event(
        'Bounce',
        3,
        (d) =>
          (d['bouncedRecipients'] = [
            { emailAddress: 'carla@example.org', diagnosticCode: 'smtp; 550 5.1.1 no such user' },
          ]),
      ),
    ]);
    expect(recipientOutcomeCounts(recipients.values())).toEqual({ delivered: 2, bounced: 1 });
    expect(recipients.get('carla@example.org')).toMatchObject({
      status: 'bounced',
      bounceType: 'Permanent',
      bounceDiagnostic: 'smtp; 550 5.1.1 no such user',
      bouncedAt: T0 + 3000,
      deliveredAt: null,
    });
    expect(recipients.get('ann@example.com')).toMatchObject({
      status: 'delivered',
      deliveredAt: T0 + 2000,
      smtpResponse: '250 2.6.0 Message received',
      sentAt: T0,
    });
  });

  it('a bounce groups its recipients by diagnostic code', () => {
    const groups = recipientEffectsOf(
      event('Bounce', 1, (d) => {
        d['bouncedRecipients'] = [
          { emailAddress: 'ann@example.com', diagnosticCode: 'smtp; 552 full' },
          { emailAddress: 'bob@example.com', diagnosticCode: 'smtp; 550 unknown' },
          { emailAddress: 'carla@example.org', diagnosticCode: 'smtp; 552 full' },
        ];
      }),
    );
    expect(groups.map((g) => g.addresses)).toEqual([['ann@example.com', 'carla@example.org'], ['bob@example.com']]);
  });

  it('opens, clicks and subscriptions concern no recipient (SES cannot tell who opened)', () => {
    for (const type of ['Open', 'Click', 'Subscription'] as const)
      expect(recipientEffectsOf(event(type, 1))).toEqual([]);
  });

  it('a late Delivery never lowers a recipient that bounced', () => {
    const recipients = fold([
      event('Bounce', 5, (d) => (d['bouncedRecipients'] = [{ emailAddress: 'ann@example.com' }])),
      event('Delivery', 1, (d) => (d['recipients'] = ['ann@example.com'])),
    ]);
    expect(recipients.get('ann@example.com')).toMatchObject({ status: 'bounced', deliveredAt: T0 + 1000 });
  });
});

describe('recipientAddress', () => {
  it('takes the bare address out of a display form and lower-cases it', () => {
    expect(recipientAddress('"Jane Doe" <Jane@Example.COM>')).toBe('jane@example.com');
    expect(recipientAddress('  Bob@Example.com ')).toBe('bob@example.com');
  });
});

describe('applyRecipientEvent: the recipients depend only on the set of distinct events', () => {
  it('every arrival order with duplicates (dropped by SNS id) gives the ordered result', () => {
    fc.assert(
      fc.property(deliveriesArbitrary, ({ distinct, arrivals }) => {
        const seen = new Set<string>();
        const unique = arrivals.filter((d) => !seen.has(d.snsMessageId) && seen.add(d.snsMessageId));
        expect(fold(unique.map((d) => d.ses))).toEqual(fold(distinct.map((d) => d.ses)));
      }),
      { numRuns: 500 },
    );
  });
});
