import type { EngagementVerdict } from '../model.js';
import type { SesEventOf } from './ses-event.js';

/** Placeholder until the researched rules land (branch i13-engagement). */
export interface EngagementRules {
  version: number;
  clickBurstWindowMs: number;
}

/** Placeholder rules. */
export const ENGAGEMENT_RULES: EngagementRules = { version: 0, clickBurstWindowMs: 2000 };

/** Placeholder intrinsic classification. */
export function classifyEngagement(
  event: SesEventOf<'Open'> | SesEventOf<'Click'>,
  rules: EngagementRules = ENGAGEMENT_RULES,
): EngagementVerdict {
  const detail = event.eventType === 'Open' ? event.open : event.click;
  const machine = !detail.userAgent || /GoogleImageProxy|python|curl/i.test(detail.userAgent);
  return {
    engagement: machine ? 'machine' : 'human',
    rule: machine ? 'ua' : 'default-human',
    rulesVersion: rules.version,
  };
}

/** Placeholder set classification. */
export function classifyEngagementSet(
  events: readonly (SesEventOf<'Open'> | SesEventOf<'Click'>)[],
  rules: EngagementRules = ENGAGEMENT_RULES,
): EngagementVerdict[] {
  return events.map((event) => {
    const verdict = classifyEngagement(event, rules);
    if (verdict.engagement === 'machine' || event.eventType !== 'Click') return verdict;
    const t = Date.parse(event.click.timestamp);
    const burst = events.some(
      (o) =>
        o.eventType === 'Click' &&
        o.click.link !== event.click.link &&
        Math.abs(Date.parse(o.click.timestamp) - t) <= rules.clickBurstWindowMs,
    );
    return burst ? { ...verdict, engagement: 'machine', rule: 'click-burst' } : verdict;
  });
}
