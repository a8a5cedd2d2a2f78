import { cidrContains, parseCidr, parseIpAddress, type CidrBlock } from './cidr.js';
import {
  ENGAGEMENT_RULES,
  type Engagement,
  type EngagementEventType,
  type EngagementRule,
  type EngagementRules,
} from './engagement-rules.js';
import type { EngagementVerdict } from '../model.js';
import type { SesEventOf } from './ses-event.js';
import { rawBotVerdict, SES_BOT_RULES, sesEngagement } from './ses-bot-verdict.js';

/**
 * Human or machine: SES's own verdict (`isBotEvent`, `ses-bot-verdict.ts`) when the event carries
 * `Likely` or `Unlikely`; otherwise the versioned rules table {@link ENGAGEMENT_RULES}. Pure and deterministic: a verdict depends only on the events and the
 * rules, never on the clock or on the order events arrive in (SNS is unordered).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html
 * @module
 */

export { ENGAGEMENT_RULES };
export type { Engagement, EngagementEventType, EngagementRule, EngagementRules, EngagementVerdict };

/** An SES event the rules classify. */
export type EngagementEvent = SesEventOf<'Open'> | SesEventOf<'Click'>;

/**
 * Rule id of a human verdict no rule named.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-metrics.html
 */
export const DEFAULT_HUMAN_RULE = 'default-human';

/**
 * Rule id of the cross-event rule: a Click is machine when another Click of the same message on a
 * different link happened within `clickBurstWindowMs` of it (scanners follow every link at once).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-click-object
 */
export const CLICK_BURST_RULE = 'click-burst';

/**
 * The intrinsic verdict of one event, from the event alone: SES's `isBotEvent` when it says
 * `Likely` (`ses-likely-bot`, machine) or `Unlikely` (`ses-unlikely-bot`, human); else the first
 * machine rule (in table order) that matches it, else the first human rule that does, else
 * `default-human`.
 * @param rules a rules table; {@link ENGAGEMENT_RULES} unless given.
 * @throws {RangeError} when a custom table has a CIDR block that does not parse; a SyntaxError
 *   when it has a pattern that does not compile.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export function classifyEngagement(
  event: EngagementEvent,
  rules: EngagementRules = ENGAGEMENT_RULES,
): EngagementVerdict {
  return intrinsicVerdict(event, compiledFor(rules), rules.version);
}

/**
 * Verdicts of a set of events, in input order: each event's intrinsic verdict, then the
 * cross-event rule `click-burst`, which only turns a human Click the rules decided into machine (a
 * machine verdict keeps its intrinsic rule; SES's verdict is never overridden, though its Clicks
 * still count as the other Click of a burst). The relation is symmetric, so the verdicts depend on the set of
 * events only, never on their order: both Clicks of a burst are machine. Events of different
 * messages (`mail.messageId`) never affect each other.
 * @param rules a rules table; {@link ENGAGEMENT_RULES} unless given.
 * @throws {RangeError} / SyntaxError as {@link classifyEngagement}.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-click-object
 */
export function classifyEngagementSet(
  events: readonly EngagementEvent[],
  rules: EngagementRules = ENGAGEMENT_RULES,
): EngagementVerdict[] {
  const compiled = compiledFor(rules);
  const verdicts = events.map((event) => intrinsicVerdict(event, compiled, rules.version));
  for (const index of clickBurstIndexes(events, rules.clickBurstWindowMs)) {
    const verdict = verdicts[index]!;
    if (verdict.engagement === 'human' && verdict.rule !== SES_BOT_RULES.Unlikely) {
      verdicts[index] = machine(CLICK_BURST_RULE, rules.version);
    }
  }
  return verdicts;
}

/**
 * Indexes of the Clicks in a burst: another Click of the same message on a different link at
 * most `windowMs` before or after. Mirrors the SQL of the store:
 * `EXISTS (other click, same message, link <> this link, ABS(t1 - t2) <= window)`.
 */
function clickBurstIndexes(events: readonly EngagementEvent[], windowMs: number): Set<number> {
  const byMessage = new Map<string, { index: number; at: number; link: string }[]>();
  events.forEach((event, index) => {
    if (event.eventType !== 'Click') return;
    const at = Date.parse(event.click.timestamp);
    if (Number.isNaN(at)) return;
    const clicks = byMessage.get(event.mail.messageId) ?? [];
    clicks.push({ index, at, link: event.click.link });
    byMessage.set(event.mail.messageId, clicks);
  });
  const inBurst = new Set<number>();
  for (const clicks of byMessage.values()) {
    clicks.sort((a, b) => a.at - b.at);
    for (let i = 0; i < clicks.length; i++) {
      for (let j = i + 1; j < clicks.length && clicks[j]!.at - clicks[i]!.at <= windowMs; j++) {
        if (clicks[j]!.link === clicks[i]!.link) continue;
        inBurst.add(clicks[i]!.index).add(clicks[j]!.index);
      }
    }
  }
  return inBurst;
}

/** A rule with its patterns compiled and ranges parsed. */
interface CompiledRule {
  rule: EngagementRule;
  userAgents: RegExp[];
  ranges: CidrBlock[];
}

const COMPILED_DEFAULT = compile(ENGAGEMENT_RULES);

function compiledFor(rules: EngagementRules): CompiledRule[] {
  return rules === ENGAGEMENT_RULES ? COMPILED_DEFAULT : compile(rules);
}

function compile(rules: EngagementRules): CompiledRule[] {
  return rules.rules.map((rule) => ({
    rule,
    userAgents: (rule.userAgentPatterns ?? []).map((source) => new RegExp(source, 'i')),
    ranges: (rule.ipRanges ?? []).map((text) => {
      try {
        return parseCidr(text);
      } catch (error) {
        throw new RangeError(`engagement rule ${rule.id}: ${(error as Error).message}`, { cause: error });
      }
    }),
  }));
}

/** What the rules look at in one event. */
interface EventFacts {
  type: EngagementEventType;
  userAgent: string;
  address: Uint8Array | undefined;
  msAfterSend: number;
}

function factsOf(event: EngagementEvent): EventFacts {
  const detail = event.eventType === 'Open' ? event.open : event.click;
  return {
    type: event.eventType,
    userAgent: detail.userAgent?.trim() ?? '',
    address: detail.ipAddress === undefined ? undefined : parseIpAddress(detail.ipAddress),
    msAfterSend: Date.parse(detail.timestamp) - Date.parse(event.mail.timestamp),
  };
}

function intrinsicVerdict(event: EngagementEvent, compiled: CompiledRule[], version: number): EngagementVerdict {
  const raw = rawBotVerdict(event);
  const ses = sesEngagement(raw);
  if (ses !== undefined)
    return { engagement: ses, rule: SES_BOT_RULES[raw as 'Likely' | 'Unlikely'], rulesVersion: version };
  const facts = factsOf(event);
  let humanRule: string | undefined;
  for (const candidate of compiled) {
    if (!candidate.rule.eventTypes.includes(facts.type) || !matches(candidate, facts)) continue;
    if (candidate.rule.engagement === 'machine') return machine(candidate.rule.id, version);
    humanRule ??= candidate.rule.id;
  }
  return { engagement: 'human', rule: humanRule ?? DEFAULT_HUMAN_RULE, rulesVersion: version };
}

function matches({ rule, userAgents, ranges }: CompiledRule, facts: EventFacts): boolean {
  if (rule.missingUserAgent && facts.userAgent === '') return true;
  if (facts.userAgent !== '' && userAgents.some((pattern) => pattern.test(facts.userAgent))) return true;
  const address = facts.address;
  if (address !== undefined && ranges.some((block) => cidrContains(block, address))) return true;
  const withinMs = rule.sentWithinMs?.[facts.type];
  return withinMs !== undefined && facts.msAfterSend < withinMs;
}

function machine(rule: string, version: number): EngagementVerdict {
  return { engagement: 'machine', rule, rulesVersion: version };
}
