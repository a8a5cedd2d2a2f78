import type { Engagement } from './engagement-rules.js';
import type { SesEventOf } from './ses-event.js';

/**
 * SES's own bot verdict on an Open or Click (`isBotEvent` in the `open` / `click` object, on
 * configuration-set event destinations): the first source of an engagement verdict. When it says
 * `Likely` or `Unlikely` it decides human or machine; when it is absent (older events, identity
 * notifications) or says anything else, the engagement rules decide. A missing value is never read
 * as `Unlikely` (decision: `docs/decisions/2026-12-06-ses-bot-verdict.md`).
 *
 * With the click-burst rule: issue 28 says "when present it decides", so `Likely` is machine and
 * `Unlikely` human whatever our rules say, a burst included: SES sees more than one message's
 * events (its verdict is its own, across senders), while a burst is our guess from two clicks.
 * A click SES judged still counts as the other click of a burst, so its partner, if our rules
 * judge it, turns machine: the burst relation stays symmetric and the verdicts depend on the set
 * of events only, never on their order. Unknown values are kept raw (`is_bot_event`) and ignored,
 * so a new value SES may add changes nothing until we decide what it means.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-click-object
 * @module
 */

/**
 * Rule id recorded when SES's `isBotEvent` decided, per value: `ses-likely-bot` is machine and
 * `ses-unlikely-bot` human. Every other rule id names one of our rules.
 */
export const SES_BOT_RULES = { Likely: 'ses-likely-bot', Unlikely: 'ses-unlikely-bot' } as const;

/** Which source decided a verdict: SES's `isBotEvent`, or our engagement rules. */
export type VerdictBy = 'ses' | 'rules';

/**
 * The raw `isBotEvent` of an Open or Click, as SES sent it (stored as is; a value that is not a
 * string as its JSON), or null when absent.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export function rawBotVerdict(event: SesEventOf<'Open'> | SesEventOf<'Click'>): string | null {
  const detail = event.eventType === 'Open' ? event.open : event.click;
  const raw = detail.isBotEvent;
  if (raw === undefined || raw === null) return null;
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

/**
 * What SES's verdict decides: `machine` for `Likely`, `human` for `Unlikely`, undefined for any
 * other value or none (then the rules decide).
 */
export function sesEngagement(raw: string | null | undefined): Engagement | undefined {
  if (raw === 'Likely') return 'machine';
  if (raw === 'Unlikely') return 'human';
  return undefined;
}

/** The source of a verdict from the rule id it records. */
export function verdictBy(rule: string): VerdictBy {
  return rule === SES_BOT_RULES.Likely || rule === SES_BOT_RULES.Unlikely ? 'ses' : 'rules';
}
