import { describe, expect, it } from 'vitest';
import { TEST_NOW } from '../../../../test/clock.js';
import {
  CLICK_BURST_RULE,
  classifyEngagement,
  classifyEngagementSet,
  ENGAGEMENT_RULES,
  type EngagementEvent,
  type EngagementRules,
} from './engagement.js';
import {
  ENGAGEMENT_FIXTURE_NAMES,
  engagementFixture,
  FIXTURE_SENT_AT,
  retime,
} from './fixtures/engagement/fixtures.js';
import { parseSesEvent } from './ses-event.js';

const awsExamples = import.meta.glob<string>('./fixtures/ses-events/{open,click}.json', {
  eager: true,
  query: '?raw',
  import: 'default',
});

/** Fixture -> [engagement, rule] of its intrinsic verdict (fixtures/engagement/README.md says why). */
const INTRINSIC: Record<string, [string, string]> = {
  'open-apple-mpp': ['machine', 'apple-mpp'],
  'open-gmail-prefetch': ['machine', 'gmail-prefetch'],
  'open-gmail-image-proxy': ['human', 'gmail-image-proxy'],
  'open-yahoo-mail-proxy': ['human', 'yahoo-mail-proxy'],
  'open-iphone-mail': ['human', 'default-human'],
  'open-outlook-desktop': ['human', 'default-human'],
  'open-desktop-chrome': ['human', 'default-human'],
  'open-ipv6-desktop-chrome': ['human', 'default-human'],
  'open-too-soon': ['machine', 'too-soon-after-send'],
  'open-no-user-agent': ['machine', 'no-user-agent'],
  'open-barracuda': ['machine', 'barracuda'],
  'click-desktop-chrome': ['human', 'default-human'],
  'click-iphone-safari': ['human', 'default-human'],
  'click-android-chrome': ['human', 'default-human'],
  'click-safe-links': ['machine', 'safe-links'],
  'click-safe-links-ipv6': ['machine', 'safe-links'],
  'click-proofpoint': ['machine', 'proofpoint'],
  'click-mimecast': ['machine', 'mimecast'],
  'click-barracuda': ['machine', 'barracuda'],
  'click-python-requests': ['machine', 'http-client-library'],
  'click-curl': ['machine', 'http-client-library'],
  'click-headless-chrome': ['machine', 'headless-browser'],
  'click-too-soon': ['machine', 'too-soon-after-send'],
  'click-yahoo-link-fetch': ['machine', 'yahoo-link-fetch'],
  'click-burst-a': ['human', 'default-human'],
  'click-burst-b': ['human', 'default-human'],
  'click-person-a': ['human', 'default-human'],
  'click-person-b': ['human', 'default-human'],
};

/** A copy of the rules with some rules changed; the version goes up, as the policy says. */
function rulesWith(change: Partial<EngagementRules>): EngagementRules {
  return { ...ENGAGEMENT_RULES, version: ENGAGEMENT_RULES.version + 1, ...change };
}

describe('engagement fixtures', () => {
  it('has a verdict for every fixture file, and every fixture is a valid SES Open or Click event', () => {
    expect([...ENGAGEMENT_FIXTURE_NAMES]).toEqual(Object.keys(INTRINSIC).sort());
    for (const name of ENGAGEMENT_FIXTURE_NAMES) {
      const event = engagementFixture(name);
      expect(parseSesEvent(JSON.stringify(event)).eventType).toBe(name.startsWith('open') ? 'Open' : 'Click');
    }
  });

  it('sends every fixture message six hours before the pinned now, keeping its time after send', () => {
    expect(FIXTURE_SENT_AT.getTime()).toBe(TEST_NOW.getTime() - 6 * 3_600_000);
    const mpp = engagementFixture('open-apple-mpp');
    expect(mpp.mail.timestamp).toBe(FIXTURE_SENT_AT.toISOString());
    expect(mpp.eventType === 'Open' && Date.parse(mpp.open.timestamp) - FIXTURE_SENT_AT.getTime()).toBe(6_200);
  });

  for (const [name, [engagement, rule]] of Object.entries(INTRINSIC)) {
    it(`${name}: ${engagement} (${rule})`, () => {
      expect(classifyEngagement(engagementFixture(name))).toEqual({
        engagement,
        rule,
        rulesVersion: ENGAGEMENT_RULES.version,
      });
    });
  }

  it("AWS's own example Open (iPhone, 30 s after send) and Click (desktop Chrome) are human", () => {
    for (const text of Object.values(awsExamples)) {
      const event = retime(parseSesEvent(text) as EngagementEvent, TEST_NOW.getTime());
      expect(classifyEngagement(event)).toEqual({ engagement: 'human', rule: 'default-human', rulesVersion: 1 });
    }
  });
});

describe('classifyEngagementSet on the fixtures', () => {
  const everything = ENGAGEMENT_FIXTURE_NAMES.map(engagementFixture);
  const verdicts = classifyEngagementSet(everything);
  const verdictOf = (name: string) => verdicts[ENGAGEMENT_FIXTURE_NAMES.indexOf(name)]!;

  it('turns both clicks of a burst (two links 650 ms apart) into machine click-burst', () => {
    expect(verdictOf('click-burst-a')).toEqual({ engagement: 'machine', rule: CLICK_BURST_RULE, rulesVersion: 1 });
    expect(verdictOf('click-burst-b')).toEqual({ engagement: 'machine', rule: CLICK_BURST_RULE, rulesVersion: 1 });
  });

  it('leaves two clicks of a person (two links 40 s apart) human', () => {
    expect(verdictOf('click-person-a').engagement).toBe('human');
    expect(verdictOf('click-person-b').engagement).toBe('human');
  });

  it('keeps every other verdict as classifyEngagement gives it (each fixture has its own message)', () => {
    for (const [i, name] of ENGAGEMENT_FIXTURE_NAMES.entries()) {
      if (name.startsWith('click-burst')) continue;
      expect(verdicts[i], name).toEqual(classifyEngagement(everything[i]!));
    }
  });

  it('answers in input order, one verdict per event, and an empty list for no events', () => {
    const pair = [engagementFixture('open-apple-mpp'), engagementFixture('click-desktop-chrome')];
    expect(classifyEngagementSet(pair).map((v) => v.rule)).toEqual(['apple-mpp', 'default-human']);
    expect(classifyEngagementSet([...pair].reverse()).map((v) => v.rule)).toEqual(['default-human', 'apple-mpp']);
    expect(classifyEngagementSet([])).toEqual([]);
  });
});

describe('a changed rules table changes the outcome', () => {
  const burst = [engagementFixture('click-person-a'), engagementFixture('click-person-b')];

  it('a wider click-burst window makes clicks 40 s apart a burst', () => {
    const wide = rulesWith({ clickBurstWindowMs: 60_000 });
    expect(classifyEngagementSet(burst, wide)).toEqual([
      { engagement: 'machine', rule: 'click-burst', rulesVersion: 2 },
      { engagement: 'machine', rule: 'click-burst', rulesVersion: 2 },
    ]);
    expect(classifyEngagementSet(burst).map((v) => v.engagement)).toEqual(['human', 'human']);
  });

  it('a narrower window leaves clicks 650 ms apart human', () => {
    const scan = [engagementFixture('click-burst-a'), engagementFixture('click-burst-b')];
    expect(classifyEngagementSet(scan, rulesWith({ clickBurstWindowMs: 500 })).map((v) => v.rule)).toEqual([
      'default-human',
      'default-human',
    ]);
  });

  it('without the apple-mpp rule, an MPP prefetch is a human open', () => {
    const noMpp = rulesWith({ rules: ENGAGEMENT_RULES.rules.filter((rule) => rule.id !== 'apple-mpp') });
    expect(classifyEngagement(engagementFixture('open-apple-mpp'), noMpp)).toEqual({
      engagement: 'human',
      rule: 'default-human',
      rulesVersion: 2,
    });
  });

  it('a new range, a new pattern and a new threshold each make a human event machine', () => {
    const chrome = engagementFixture('click-desktop-chrome');
    const extra = (rule: EngagementRules['rules'][number]) => rulesWith({ rules: [...ENGAGEMENT_RULES.rules, rule] });
    const range = extra({ id: 'test-range', engagement: 'machine', eventTypes: ['Click'], ipRanges: ['192.0.2.0/24'] });
    const pattern = extra({
      id: 'test-ua',
      engagement: 'machine',
      eventTypes: ['Click'],
      userAgentPatterns: ['chrome/126'],
    });
    const slow = extra({
      id: 'test-slow',
      engagement: 'machine',
      eventTypes: ['Click'],
      sentWithinMs: { Click: 3_600_000 },
    });
    expect(classifyEngagement(chrome, range).rule).toBe('test-range');
    expect(classifyEngagement(chrome, pattern).rule).toBe('test-ua');
    expect(classifyEngagement(chrome, slow).rule).toBe('test-slow');
    expect(classifyEngagement(chrome).rule).toBe('default-human');
  });

  it('a rule only looks at the event types it names', () => {
    const openOnly = rulesWith({
      rules: [{ id: 'opens-only', engagement: 'machine', eventTypes: ['Open'], userAgentPatterns: ['chrome'] }],
    });
    expect(classifyEngagement(engagementFixture('open-desktop-chrome'), openOnly).rule).toBe('opens-only');
    expect(classifyEngagement(engagementFixture('click-desktop-chrome'), openOnly).rule).toBe('default-human');
  });

  it('a machine rule wins over a human rule that matches too, wherever it stands in the table', () => {
    const gmail = engagementFixture('open-gmail-image-proxy');
    const proxyFirst = rulesWith({
      rules: [
        { id: 'gmail-image-proxy', engagement: 'human', eventTypes: ['Open'], userAgentPatterns: ['GoogleImageProxy'] },
        { id: 'firefox-11', engagement: 'machine', eventTypes: ['Open'], userAgentPatterns: ['Firefox/11\\.0'] },
      ],
    });
    expect(classifyEngagement(gmail, proxyFirst).rule).toBe('firefox-11');
  });

  it('refuses a custom table with a CIDR block or a pattern that does not parse', () => {
    const badRange = rulesWith({
      rules: [{ id: 'bad', engagement: 'machine', eventTypes: ['Open'], ipRanges: ['10.0.0.1/8'] }],
    });
    const badPattern = rulesWith({
      rules: [{ id: 'bad', engagement: 'machine', eventTypes: ['Open'], userAgentPatterns: ['('] }],
    });
    const open = engagementFixture('open-desktop-chrome');
    expect(() => classifyEngagement(open, badRange)).toThrow(/engagement rule bad: CIDR block "10\.0\.0\.1\/8"/);
    expect(() => classifyEngagementSet([open], badPattern)).toThrow(SyntaxError);
  });
});
