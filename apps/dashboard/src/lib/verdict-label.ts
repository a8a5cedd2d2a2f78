import { verdictBy } from 'kuratchi-sdk/internal/events';
import type { VerdictCount } from 'kuratchi-sdk/internal/d1';

/**
 * The names the dashboard gives the engagement rules (`ses-events/engagement-rules.ts` in the
 * SDK); a rule missing here shows its id.
 */
const RULE_NAMES: Record<string, string> = {
  'apple-mpp': 'Apple Mail Privacy Protection',
  'gmail-prefetch': 'Gmail prefetch',
  'safe-links': 'Microsoft Safe Links',
  proofpoint: 'Proofpoint',
  mimecast: 'Mimecast',
  barracuda: 'Barracuda',
  'yahoo-link-fetch': 'Yahoo link fetch',
  'no-user-agent': 'no user agent',
  'http-client-library': 'HTTP client library',
  'headless-browser': 'headless browser',
  'declared-crawler': 'declared crawler',
  'too-soon-after-send': 'too soon after send',
  'click-burst': 'click burst',
  'gmail-image-proxy': 'Gmail image proxy',
  'yahoo-mail-proxy': 'Yahoo Mail proxy',
  'default-human': 'no machine signal',
};

/**
 * Who decided an open's or click's verdict, for people: "SES: likely bot" / "SES: unlikely bot"
 * when SES's `isBotEvent` did, else "rules: " and the rule's name ("rules: Apple Mail Privacy
 * Protection").
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export function verdictLabel(rule: string): string {
  if (verdictBy(rule) === 'ses') return rule === 'ses-likely-bot' ? 'SES: likely bot' : 'SES: unlikely bot';
  return `rules: ${RULE_NAMES[rule] ?? rule}`;
}

/** The timeline's "Verdict" line of an open or click ("machine · SES: likely bot"); none otherwise. */
export function verdictDetail(event: {
  engagement: string | null;
  engagementRule: string | null;
}): Array<[string, string]> {
  if (event.engagement === null || event.engagementRule === null) return [];
  return [['Verdict', `${event.engagement} · ${verdictLabel(event.engagementRule)}`]];
}

/** One row of the overview's "Decided by": a label and its machine and human opens and clicks. */
export interface VerdictRow {
  label: string;
  machine: number;
  human: number;
}

/** The overview's rows from the period's verdict counts, one per label, most events first. */
export function verdictRows(counts: readonly VerdictCount[]): VerdictRow[] {
  const rows = new Map<string, VerdictRow>();
  for (const { engagement, rule, count } of counts) {
    const label = verdictLabel(rule);
    const row = rows.get(label) ?? { label, machine: 0, human: 0 };
    row[engagement] += count;
    rows.set(label, row);
  }
  return [...rows.values()].sort(
    (a, b) => b.machine + b.human - (a.machine + a.human) || a.label.localeCompare(b.label),
  );
}
