import { describe, expect, it } from 'vitest';
import { parseCidr } from './cidr.js';
import { CLICK_BURST_RULE, DEFAULT_HUMAN_RULE } from './engagement.js';
import { ENGAGEMENT_RULES } from './engagement-rules.js';

/**
 * The fingerprint of each recorded version of the rules data (FNV-1a, 32 bits, of its JSON).
 * Changing the data changes the fingerprint: bump `version` (the policy in ENGAGEMENT_RULES's
 * JSDoc) and add a row here, so that events classified under the old version can be found.
 */
const RECORDED_VERSIONS: Record<number, string> = {
  1: '2905b138',
};

function fingerprint(value: unknown): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const { rules } = ENGAGEMENT_RULES;

describe('ENGAGEMENT_RULES, the data', () => {
  it('has a whole-number version whose fingerprint is recorded: a change to the data bumps the version', () => {
    expect(Number.isInteger(ENGAGEMENT_RULES.version) && ENGAGEMENT_RULES.version >= 1).toBe(true);
    expect(fingerprint(ENGAGEMENT_RULES)).toBe(RECORDED_VERSIONS[ENGAGEMENT_RULES.version]);
  });

  it('compiles every user agent pattern', () => {
    const patterns = rules.flatMap((rule) => rule.userAgentPatterns ?? []);
    expect(patterns.length).toBeGreaterThan(10);
    for (const source of patterns) expect(() => new RegExp(source, 'i'), source).not.toThrow();
  });

  it('parses every IP range as a CIDR block, IPv4 and IPv6 alike', () => {
    const ranges = rules.flatMap((rule) => rule.ipRanges ?? []);
    expect(ranges.some((r) => r.includes(':')) && ranges.some((r) => r.includes('.'))).toBe(true);
    for (const range of ranges) expect(parseCidr(range).text, range).toBe(range);
  });

  it('names each rule once, and never with the ids of the default or the cross-event rule', () => {
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(DEFAULT_HUMAN_RULE);
    expect(ids).not.toContain(CLICK_BURST_RULE);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('gives every rule an event type and at least one signal, and sane thresholds', () => {
    for (const rule of rules) {
      expect(rule.eventTypes.length, rule.id).toBeGreaterThan(0);
      const signals = [rule.userAgentPatterns?.length, rule.ipRanges?.length, rule.missingUserAgent, rule.sentWithinMs];
      expect(signals.some(Boolean), rule.id).toBe(true);
      for (const ms of Object.values(rule.sentWithinMs ?? {})) expect(ms > 0 && ms <= 60_000, rule.id).toBe(true);
    }
    expect(ENGAGEMENT_RULES.clickBurstWindowMs).toBeGreaterThan(0);
    expect(ENGAGEMENT_RULES.clickBurstWindowMs).toBeLessThanOrEqual(10_000);
  });

  it('has the rules the email log names, with the rule ids the store and the SQL rely on', () => {
    const ids = rules.map((rule) => rule.id);
    for (const id of ['apple-mpp', 'gmail-image-proxy', 'safe-links', 'proofpoint', 'mimecast', 'barracuda']) {
      expect(ids).toContain(id);
    }
    expect(ids).toContain('too-soon-after-send');
  });

  it('lists machine rules before human rules, so that reading the table top down gives the verdict', () => {
    const firstHuman = rules.findIndex((rule) => rule.engagement === 'human');
    expect(rules.slice(firstHuman).every((rule) => rule.engagement === 'human')).toBe(true);
  });
});
