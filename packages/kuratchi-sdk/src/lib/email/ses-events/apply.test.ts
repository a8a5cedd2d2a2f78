import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTracking, type EmailTracking } from '../model.js';
import { buildSesEvent, type SesEventSpec } from '../testing/ses-event-factory.js';
import { applyEvent, suppressionsOf } from './apply.js';
import type { SesEvent } from './ses-event.js';
import { deliveriesArbitrary } from '../../../../test/arbitraries.js';

const MESSAGE_ID = '0100018c-test-message';
const at = (iso: string) => new Date(iso);
const event = (spec: Omit<SesEventSpec, 'messageId'>) => buildSesEvent({ messageId: MESSAGE_ID, ...spec });
const fold = (events: readonly SesEvent[], row: EmailTracking = initialTracking()) => events.reduce(applyEvent, row);

describe('applyEvent: status precedence', () => {
  it('raises the status along pending < sent < delayed < delivered < bounced < complained', () => {
    let row = initialTracking();
    const steps: Array<[SesEventSpec['eventType'], EmailTracking['status']]> = [
      ['Send', 'sent'],
      ['DeliveryDelay', 'delayed'],
      ['Delivery', 'delivered'],
      ['Bounce', 'bounced'],
      ['Complaint', 'complained'],
    ];
    for (const [eventType, status] of steps) {
      row = applyEvent(row, event({ eventType, time: at('2026-01-01T00:00:00Z') }));
      expect(row.status).toBe(status);
    }
  });

  it('never lowers it: a late Send or Delivery after a bounce keeps bounced', () => {
    const bounced = applyEvent(initialTracking(), event({ eventType: 'Bounce', time: at('2026-01-01T00:01:00Z') }));
    const after = fold(
      [
        event({ eventType: 'Send', time: at('2026-01-01T00:00:00Z') }),
        event({ eventType: 'Delivery', time: at('2026-01-01T00:00:30Z') }),
      ],
      bounced,
    );
    expect(after.status).toBe('bounced');
    expect(after.sentAt).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(after.deliveredAt).toBe(Date.parse('2026-01-01T00:00:30Z'));
    expect(after.bouncedAt).toBe(Date.parse('2026-01-01T00:01:00Z'));
  });

  it('opens and clicks count but do not change the status; Subscription changes nothing', () => {
    const row = fold([
      event({ eventType: 'Delivery', time: at('2026-01-01T00:00:00Z') }),
      event({ eventType: 'Open', time: at('2026-01-01T01:00:00Z') }),
      event({ eventType: 'Click', time: at('2026-01-01T01:01:00Z') }),
    ]);
    expect(row).toMatchObject({ status: 'delivered', openCount: 1, clickCount: 1 });
    expect(applyEvent(row, event({ eventType: 'Subscription', time: at('2026-01-02T00:00:00Z') }))).toEqual(row);
  });

  it('records Reject, Rendering Failure and DeliveryDelay details', () => {
    expect(
      applyEvent(
        initialTracking(),
        event({ eventType: 'Reject', time: at('2026-01-01T00:00:00Z'), rejectReason: 'Bad content' }),
      ),
    ).toMatchObject({
      status: 'rejected',
      rejectReason: 'Bad content',
    });
    expect(
      applyEvent(initialTracking(), event({ eventType: 'Rendering Failure', time: at('2026-01-01T00:00:00Z') })),
    ).toMatchObject({
      status: 'failed',
      renderingFailure: "welcome: Attribute 'name' is not present in the rendering data.",
    });
    expect(
      applyEvent(
        initialTracking(),
        event({ eventType: 'DeliveryDelay', time: at('2026-01-01T00:00:00Z'), delayType: 'MailboxFull' }),
      ),
    ).toMatchObject({
      status: 'delayed',
      deliveryDelayType: 'MailboxFull',
    });
  });

  it('does not mutate the row it is given', () => {
    const row = initialTracking();
    applyEvent(row, event({ eventType: 'Open', time: at('2026-01-01T00:00:00Z') }));
    expect(row).toEqual(initialTracking());
  });
});

describe('applyEvent: times and links whatever the arrival order', () => {
  const early = event({ eventType: 'Click', time: at('2026-01-01T10:00:00Z'), link: 'https://example.com/first' });
  const late = event({ eventType: 'Click', time: at('2026-01-01T12:00:00Z'), link: 'https://example.com/last' });

  it('first click time is the earliest, last clicked link is the latest click by event time', () => {
    for (const order of [
      [early, late],
      [late, early],
    ]) {
      expect(fold(order)).toMatchObject({
        clickCount: 2,
        clickedAt: Date.parse('2026-01-01T10:00:00Z'),
        lastClickedAt: Date.parse('2026-01-01T12:00:00Z'),
        lastClickedLink: 'https://example.com/last',
      });
    }
  });

  it('bounce details are those of the first bounce', () => {
    const transient = event({
      eventType: 'Bounce',
      time: at('2026-01-01T10:00:00Z'),
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
    });
    const permanent = event({
      eventType: 'Bounce',
      time: at('2026-01-01T11:00:00Z'),
      bounceType: 'Permanent',
      bounceSubType: 'General',
    });
    for (const order of [
      [transient, permanent],
      [permanent, transient],
    ]) {
      expect(fold(order)).toMatchObject({ bounceType: 'Transient', bounceSubType: 'MailboxFull' });
    }
  });
});

describe('suppressionsOf', () => {
  it('suppresses Permanent bounces and complaints, lower-cased, and nothing else', () => {
    expect(
      suppressionsOf(event({ eventType: 'Bounce', time: at('2026-01-01T00:00:00Z'), recipient: 'Jane@Example.COM' })),
    ).toEqual([
      { emailAddress: 'jane@example.com', reason: 'bounce', detail: 'General: smtp; 550 5.1.1 user unknown' },
    ]);
    expect(
      suppressionsOf(event({ eventType: 'Bounce', time: at('2026-01-01T00:00:00Z'), bounceType: 'Transient' })),
    ).toEqual([]);
    expect(suppressionsOf(event({ eventType: 'Complaint', time: at('2026-01-01T00:00:00Z') }))).toEqual([
      { emailAddress: 'recipient@example.com', reason: 'complaint', detail: 'abuse' },
    ]);
    expect(suppressionsOf(event({ eventType: 'Delivery', time: at('2026-01-01T00:00:00Z') }))).toEqual([]);
  });
});

describe('applyEvent: the final row depends only on the set of distinct events', () => {
  it('every arrival order with duplicates (dropped by SNS id) gives the ordered result', () => {
    fc.assert(
      fc.property(deliveriesArbitrary, ({ distinct, arrivals }) => {
        const ordered = fold(distinct.map((d) => d.ses));
        const seen = new Set<string>();
        const unique = arrivals.filter((d) => !seen.has(d.snsMessageId) && seen.add(d.snsMessageId));
        expect(fold(unique.map((d) => d.ses))).toEqual(ordered);
      }),
      { numRuns: 500 },
    );
  });
});
