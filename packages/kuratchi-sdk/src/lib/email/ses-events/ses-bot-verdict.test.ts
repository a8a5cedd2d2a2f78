import { describe, expect, it } from 'vitest';
import { classifyEngagement, classifyEngagementSet, ENGAGEMENT_RULES, type EngagementEvent } from './engagement.js';
import { ENGAGEMENT_FIXTURE_NAMES, engagementFixture } from './fixtures/engagement/fixtures.js';
import { parseSesEvent } from './ses-event.js';
import { rawBotVerdict, SES_BOT_RULES, verdictBy } from './ses-bot-verdict.js';

/** The fixture with SES's `isBotEvent` set to `value` in its `open` / `click` object (or removed). */
function withBotVerdict(name: string, value: unknown): EngagementEvent {
  const event = structuredClone(engagementFixture(name)) as unknown as Record<string, Record<string, unknown>>;
  const detail = event[event['eventType'] === ('Open' as unknown) ? 'open' : 'click']!;
  if (value === undefined) delete detail['isBotEvent'];
  else detail['isBotEvent'] = value;
  // Through the parser, as ingestion reads it.
  return parseSesEvent(JSON.stringify(event)) as EngagementEvent;
}

const version = ENGAGEMENT_RULES.version;

describe("SES's isBotEvent on the engagement fixtures (docs/decisions/2026-12-06-ses-bot-verdict.md)", () => {
  it('Likely makes every fixture machine (ses-likely-bot), whatever the rules say', () => {
    for (const name of ENGAGEMENT_FIXTURE_NAMES) {
      expect(classifyEngagement(withBotVerdict(name, 'Likely')), name).toEqual({
        engagement: 'machine',
        rule: 'ses-likely-bot',
        rulesVersion: version,
      });
    }
  });

  it('Unlikely makes every fixture human (ses-unlikely-bot), Apple MPP and link scanners included', () => {
    for (const name of ENGAGEMENT_FIXTURE_NAMES) {
      expect(classifyEngagement(withBotVerdict(name, 'Unlikely')), name).toEqual({
        engagement: 'human',
        rule: 'ses-unlikely-bot',
        rulesVersion: version,
      });
    }
  });

  it('absent, or any other value, leaves the rules to decide: a missing value is not Unlikely', () => {
    const machineByRules = ENGAGEMENT_FIXTURE_NAMES.filter(
      (name) => classifyEngagement(engagementFixture(name)).engagement === 'machine',
    );
    expect(machineByRules).toContain('open-apple-mpp');
    for (const name of ENGAGEMENT_FIXTURE_NAMES) {
      const byRules = classifyEngagement(engagementFixture(name));
      for (const value of [undefined, null, 'likely', 'UNLIKELY', '', 'Maybe', true, 1]) {
        const event = withBotVerdict(name, value);
        expect(classifyEngagement(event), `${name} ${String(value)}`).toEqual(byRules);
      }
    }
  });

  it('keeps the raw value: a string as sent, another JSON value as its JSON, none as null', () => {
    expect(rawBotVerdict(withBotVerdict('open-apple-mpp', 'Likely'))).toBe('Likely');
    expect(rawBotVerdict(withBotVerdict('open-apple-mpp', 'Maybe'))).toBe('Maybe');
    expect(rawBotVerdict(withBotVerdict('click-curl', true))).toBe('true');
    expect(rawBotVerdict(withBotVerdict('click-curl', undefined))).toBeNull();
  });

  it('names who decided: ses for its two rule ids, rules for every other', () => {
    expect(verdictBy(SES_BOT_RULES.Likely)).toBe('ses');
    expect(verdictBy(SES_BOT_RULES.Unlikely)).toBe('ses');
    for (const rule of [...ENGAGEMENT_RULES.rules.map((r) => r.id), 'click-burst', 'default-human']) {
      expect(verdictBy(rule), rule).toBe('rules');
    }
  });
});

describe("SES's isBotEvent and the click-burst rule", () => {
  const burst = (a: unknown, b: unknown) =>
    classifyEngagementSet([withBotVerdict('click-burst-a', a), withBotVerdict('click-burst-b', b)]).map(
      (v) => `${v.engagement}:${v.rule}`,
    );

  it('never turns an Unlikely click machine, yet the pair still is a burst for the other click', () => {
    expect(burst('Unlikely', undefined)).toEqual(['human:ses-unlikely-bot', 'machine:click-burst']);
    expect(burst(undefined, 'Unlikely')).toEqual(['machine:click-burst', 'human:ses-unlikely-bot']);
    expect(burst('Unlikely', 'Unlikely')).toEqual(['human:ses-unlikely-bot', 'human:ses-unlikely-bot']);
  });

  it('keeps Likely as SES decided it, and turns its human partner machine', () => {
    expect(burst('Likely', undefined)).toEqual(['machine:ses-likely-bot', 'machine:click-burst']);
    expect(burst('Likely', 'Unlikely')).toEqual(['machine:ses-likely-bot', 'human:ses-unlikely-bot']);
  });

  it('treats an unknown value as absent: both clicks of the burst are machine', () => {
    expect(burst('Maybe', undefined)).toEqual(['machine:click-burst', 'machine:click-burst']);
  });

  it('gives the same verdicts whatever the order of the events', () => {
    const events = [withBotVerdict('click-burst-a', 'Unlikely'), withBotVerdict('click-burst-b', undefined)];
    expect(classifyEngagementSet([...events].reverse()).reverse()).toEqual(classifyEngagementSet(events));
  });
});
