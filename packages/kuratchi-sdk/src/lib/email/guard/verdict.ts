import type { ReputationGuardSettings, ReputationMetric } from './settings.js';

/**
 * Recipients sent to in a period, and how many distinct recipient addresses of them bounced
 * (permanently) and complained: an address that complained twice counts once.
 */
export interface RecipientCounts {
  recipients: number;
  bounced: number;
  complained: number;
}

/**
 * Where a rate stands: `none` is "no verdict yet" (too little evidence to say either way), `ok`
 * below the warn threshold on enough volume, `warn` and `pause` past a threshold on enough evidence.
 */
export type ReputationLevel = 'none' | 'ok' | 'warn' | 'pause';

/** One metric's rate and what the guard makes of it. */
export interface MetricVerdict {
  rate: number;
  /** Distinct recipient addresses that bounced (complained). */
  events: number;
  level: ReputationLevel;
  /**
   * With level `none`: what would give a verdict. `recipients`: how many more recipients sent at
   * the current rate; `events`: how many more distinct bounced (complaining) addresses would make
   * a rate past the warn threshold count (0 when the rate is below it).
   */
  needs: { recipients: number; events: number } | null;
}

/** The rates of a period and what the guard makes of them. */
export interface ReputationVerdict extends RecipientCounts {
  bounceRate: number;
  complaintRate: number;
  metrics: Record<ReputationMetric, MetricVerdict>;
  /** The worst metric's level (`pause` > `warn` > `none` > `ok`). */
  level: ReputationLevel;
  /** The metric behind a warn or pause level (the worse one, relative to its threshold), its rate and that threshold. */
  cause: { metric: ReputationMetric; rate: number; threshold: number } | null;
}

const METRICS = ['bounce', 'complaint'] as const;
const EVENTS = { bounce: 'bounced', complaint: 'complained' } as const;
const RANK: Record<ReputationLevel, number> = { ok: 0, none: 1, warn: 2, pause: 3 };

/**
 * The rule, written once. A rate is per recipient (a message to three people counts three), as
 * SES computes its account rates: distinct addresses that bounced permanently (complained) over
 * the recipients sent to. A rate at or above a threshold crosses it. Evidence:
 * - a metric warns or pauses only on at least `minEvidence[metric]` distinct addresses and
 *   `minRecipients` recipients: one complaint, or a few typed non-existent addresses, never does,
 *   and one person complaining again counts once;
 * - it is `ok` only below its warn threshold on at least `max(minRecipients, ⌈k / pause⌉)`
 *   recipients (k = its evidence minimum): the volume at which a rate at the pause threshold would
 *   have shown k addresses, so an absence of events means something; below that, `none`.
 * SES too judges a "representative volume", not a fixed period, and reviews at 5 % / 0.1 %.
 * To judge two windows, call it once per window and take the worse level.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 * @see https://aws.amazon.com/blogs/messaging-and-targeting/announcing-the-reputation-dashboard/ (representative volume)
 */
export function reputationVerdict(counts: RecipientCounts, settings: ReputationGuardSettings): ReputationVerdict {
  const metrics = Object.fromEntries(
    METRICS.map((metric) => [metric, metricVerdict(metric, counts, settings)]),
  ) as Record<ReputationMetric, MetricVerdict>;
  const level = METRICS.map((m) => metrics[m].level).reduce(
    (a, b) => (RANK[b] > RANK[a] ? b : a),
    'ok' as ReputationLevel,
  );
  let cause: ReputationVerdict['cause'] = null;
  if (level === 'warn' || level === 'pause') {
    const threshold = (m: ReputationMetric) => settings.thresholds[m][level];
    const [metric] = METRICS.filter((m) => metrics[m].level === level).sort(
      (a, b) => metrics[b].rate / threshold(b) - metrics[a].rate / threshold(a),
    );
    cause = { metric: metric!, rate: metrics[metric!].rate, threshold: threshold(metric!) };
  }
  return {
    ...counts,
    bounceRate: metrics.bounce.rate,
    complaintRate: metrics.complaint.rate,
    metrics,
    level,
    cause,
  };
}

function metricVerdict(
  metric: ReputationMetric,
  counts: RecipientCounts,
  settings: ReputationGuardSettings,
): MetricVerdict {
  const n = counts.recipients;
  const events = counts[EVENTS[metric]];
  const k = settings.minEvidence[metric];
  const { warn, pause } = settings.thresholds[metric];
  const rate = n === 0 ? 0 : events / n;
  const verdict = (level: ReputationLevel, needs: MetricVerdict['needs'] = null) => ({ rate, events, level, needs });
  if (n >= settings.minRecipients && events >= k) {
    if (rate >= pause) return verdict('pause');
    if (rate >= warn) return verdict('warn');
  }
  // Rounded first: 10 / 0.0008 must be 12,500, whatever the last bit of the division.
  const volume = Math.max(settings.minRecipients, Math.ceil(+(k / pause).toFixed(6)));
  if (rate < warn) return n >= volume ? verdict('ok') : verdict('none', { recipients: volume - n, events: 0 });
  // Past the warn threshold on too little evidence: at this rate, k addresses come at ⌈k·n/events⌉.
  const needed = Math.max(settings.minRecipients, Math.ceil((k * n) / events));
  return verdict('none', { recipients: Math.max(needed - n, 0), events: Math.max(k - events, 0) });
}

/** `0.0423` -> `4.23 %` (up to four significant decimals of a percent). */
export function formatRate(rate: number): string {
  return `${+(rate * 100).toFixed(rate < 0.01 ? 3 : 2)} %`;
}

/**
 * What a `none` verdict still needs, in words: `"250 more recipients"`, or for a rate past the
 * warn threshold `"9 more complaining addresses or 11,250 more recipients"`. Null for a verdict.
 */
export function describeNeeds(metric: ReputationMetric, verdict: MetricVerdict): string | null {
  if (!verdict.needs) return null;
  const more = `${verdict.needs.recipients.toLocaleString('en')} more recipients`;
  if (!verdict.needs.events) return more;
  const who = metric === 'bounce' ? 'bounced' : 'complaining';
  return `${verdict.needs.events.toLocaleString('en')} more ${who} addresses or ${more}`;
}
