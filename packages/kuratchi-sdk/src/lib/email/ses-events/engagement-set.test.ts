import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyEngagement, classifyEngagementSet, ENGAGEMENT_RULES, type EngagementEvent } from './engagement.js';
import { engagementFixture, FIXTURE_SENT_AT } from './fixtures/engagement/fixtures.js';

/** What varies between generated events; the rest comes from a realistic fixture. */
interface Spec {
  type: 'Open' | 'Click';
  message: string;
  afterSendMs: number;
  userAgent: string | undefined;
  ipAddress: string;
  link: string;
}

const SENT = FIXTURE_SENT_AT.getTime();

function eventOf(spec: Spec): EngagementEvent {
  const template = engagementFixture(spec.type === 'Open' ? 'open-desktop-chrome' : 'click-desktop-chrome');
  const mail = { ...template.mail, messageId: spec.message, timestamp: new Date(SENT).toISOString() };
  const timestamp = new Date(SENT + spec.afterSendMs).toISOString();
  const agent = spec.userAgent === undefined ? {} : { userAgent: spec.userAgent };
  if (template.eventType === 'Open') {
    const { userAgent: _, ...open } = template.open;
    return { ...template, mail, open: { ...open, ...agent, timestamp, ipAddress: spec.ipAddress } };
  }
  const { userAgent: _, ...click } = template.click;
  return { ...template, mail, click: { ...click, ...agent, timestamp, ipAddress: spec.ipAddress, link: spec.link } };
}

const HUMAN_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
];
const MACHINE_AGENTS = ['Mozilla/5.0', 'python-requests/2.31.0', 'Barracuda Sentinel (EE)', undefined];

/**
 * Events of up to three messages, mostly from people (so that bursts of human clicks are
 * common), some from machines, often close together in time and some right after the send.
 */
const specArbitrary: fc.Arbitrary<Spec> = fc.record({
  type: fc.constantFrom('Open', 'Click'),
  message: fc.constantFrom('m-1', 'm-2'),
  afterSendMs: fc.oneof(
    { arbitrary: fc.integer({ min: -500, max: 8_000 }), weight: 1 },
    { arbitrary: fc.integer({ min: 60_000, max: 64_000 }), weight: 3 },
  ),
  userAgent: fc.oneof(
    { arbitrary: fc.constantFrom(...HUMAN_AGENTS), weight: 3 },
    { arbitrary: fc.constantFrom(...MACHINE_AGENTS), weight: 1 },
  ),
  ipAddress: fc.oneof(
    { arbitrary: fc.constantFrom('192.0.2.77', '2001:db8::7'), weight: 4 },
    { arbitrary: fc.constantFrom('104.47.2.254', '207.211.30.61'), weight: 1 },
  ),
  link: fc.constantFrom('https://example.com/a', 'https://example.com/b', 'https://example.com/c'),
});

const setArbitrary = fc.array(specArbitrary, { maxLength: 14 }).map((specs) => specs.map(eventOf));

/** A set and an order of it. */
const shuffledArbitrary = setArbitrary.chain((events) =>
  fc.record({
    events: fc.constant(events),
    order: fc.shuffledSubarray([...events.keys()], { minLength: events.length, maxLength: events.length }),
  }),
);

/** The cross-event rule as the store's SQL states it, pair by pair. */
function inBurstReference(events: readonly EngagementEvent[], i: number, windowMs: number): boolean {
  const self = events[i]!;
  if (self.eventType !== 'Click') return false;
  return events.some(
    (other, j) =>
      j !== i &&
      other.eventType === 'Click' &&
      other.mail.messageId === self.mail.messageId &&
      other.click.link !== self.click.link &&
      Math.abs(Date.parse(other.click.timestamp) - Date.parse(self.click.timestamp)) <= windowMs,
  );
}

describe('classifyEngagementSet: properties', () => {
  it('depends on the set only, never on the order of the events', () => {
    fc.assert(
      fc.property(shuffledArbitrary, ({ events, order }) => {
        const verdicts = classifyEngagementSet(events);
        const shuffled = classifyEngagementSet(order.map((i) => events[i]!));
        expect(shuffled).toEqual(order.map((i) => verdicts[i]));
      }),
    );
  });

  it('keeps every intrinsic machine verdict, and only turns human Clicks into machine click-burst', () => {
    fc.assert(
      fc.property(setArbitrary, (events) => {
        classifyEngagementSet(events).forEach((verdict, i) => {
          const intrinsic = classifyEngagement(events[i]!);
          if (intrinsic.engagement === 'machine') expect(verdict).toEqual(intrinsic);
          else if (verdict.engagement === 'machine') {
            expect(events[i]!.eventType).toBe('Click');
            expect(verdict.rule).toBe('click-burst');
          } else expect(verdict).toEqual(intrinsic);
        });
      }),
    );
  });

  it('makes exactly the Clicks the SQL definition of click-burst names machine (when intrinsically human)', () => {
    let bursts = 0;
    fc.assert(
      fc.property(setArbitrary, (events) => {
        classifyEngagementSet(events).forEach((verdict, i) => {
          const intrinsic = classifyEngagement(events[i]!);
          const burst = inBurstReference(events, i, ENGAGEMENT_RULES.clickBurstWindowMs);
          expect(verdict.rule === 'click-burst').toBe(intrinsic.engagement === 'human' && burst);
          if (verdict.rule === 'click-burst') bursts++;
        });
      }),
    );
    // The generator makes bursts often enough (about 50 in 100 runs) for the property to say something.
    expect(bursts).toBeGreaterThan(5);
  });

  it('does not change when SNS delivers some events twice', () => {
    fc.assert(
      fc.property(setArbitrary, fc.array(fc.nat()), (events, picks) => {
        const again = events.length === 0 ? [] : picks.map((p) => events[p % events.length]!);
        const verdicts = classifyEngagementSet([...events, ...again]).slice(0, events.length);
        expect(verdicts).toEqual(classifyEngagementSet(events));
      }),
    );
  });
});

describe('click-burst: the edges', () => {
  const human =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
  const click = (afterSendMs: number, link: string, message = 'm-1') =>
    eventOf({ type: 'Click', message, afterSendMs, userAgent: human, ipAddress: '192.0.2.77', link });
  const rules = (events: EngagementEvent[]) => classifyEngagementSet(events).map((v) => v.rule);
  const window = ENGAGEMENT_RULES.clickBurstWindowMs;

  it('counts two clicks exactly the window apart as a burst, and one ms more as not', () => {
    expect(rules([click(60_000, '/a'), click(60_000 + window, '/b')])).toEqual(['click-burst', 'click-burst']);
    expect(rules([click(60_000, '/a'), click(60_000 + window + 1, '/b')])).toEqual(['default-human', 'default-human']);
  });

  it('never pairs clicks on the same link, clicks of different messages, or opens', () => {
    expect(rules([click(60_000, '/a'), click(60_100, '/a')])).toEqual(['default-human', 'default-human']);
    expect(rules([click(60_000, '/a', 'm-1'), click(60_100, '/b', 'm-2')])).toEqual(['default-human', 'default-human']);
    const open = eventOf({
      type: 'Open',
      message: 'm-1',
      afterSendMs: 60_050,
      userAgent: human,
      ipAddress: '192.0.2.77',
      link: '',
    });
    expect(rules([click(60_000, '/a'), open])).toEqual(['default-human', 'default-human']);
  });

  it('makes a human click machine when it bursts with a click that is machine on its own', () => {
    const scanner = eventOf({
      type: 'Click',
      message: 'm-1',
      afterSendMs: 60_300,
      userAgent: 'curl/8.5.0',
      ipAddress: '192.0.2.9',
      link: '/b',
    });
    expect(rules([click(60_000, '/a'), scanner])).toEqual(['click-burst', 'http-client-library']);
  });

  it('chains: a, b, c each within the window of the next are all in a burst', () => {
    expect(rules([click(60_000, '/a'), click(61_900, '/b'), click(63_800, '/c')])).toEqual([
      'click-burst',
      'click-burst',
      'click-burst',
    ]);
  });
});
