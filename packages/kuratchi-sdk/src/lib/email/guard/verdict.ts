import type { ReputationGuardSettings, ReputationMetric } from './settings.js';

/** Recipients sent to in a period, and how many of them bounced (permanently) and complained. */
export interface RecipientCounts {
  recipients: number;
  bounced: number;
  complained: number;
}

/** Where a set of rates stands against the guard's thresholds. */
export type ReputationLevel = 'ok' | 'warn' | 'pause';

/** The rates of a period and what the guard makes of them. */
export interface ReputationVerdict extends RecipientCounts {
  bounceRate: number;
  complaintRate: number;
  /** False below `minRecipients`: the level is then `ok`, whatever the rates. */
  sufficientVolume: boolean;
  level: ReputationLevel;
  /** The metric behind a warn or pause level (the worse one, relative to its threshold), its rate and that threshold. */
  cause: { metric: ReputationMetric; rate: number; threshold: number } | null;
}

/**
 * The rule, written once: per recipient (a message to three people counts three), a rate is the
 * recipients who bounced (complained) over the recipients sent to, as SES computes its account
 * rates; below the minimum volume there is no verdict. A rate at or above a threshold crosses it.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function reputationVerdict(counts: RecipientCounts, settings: ReputationGuardSettings): ReputationVerdict {
  const rate = (n: number) => (counts.recipients === 0 ? 0 : n / counts.recipients);
  const rates: Record<ReputationMetric, number> = { bounce: rate(counts.bounced), complaint: rate(counts.complained) };
  const sufficientVolume = counts.recipients >= settings.minRecipients;
  let level: ReputationLevel = 'ok';
  let cause: ReputationVerdict['cause'] = null;
  if (sufficientVolume) {
    for (const step of ['pause', 'warn'] as const) {
      const crossed = (['bounce', 'complaint'] as const)
        .filter((metric) => rates[metric] >= settings.thresholds[metric][step])
        .sort((a, b) => rates[b] / settings.thresholds[b][step] - rates[a] / settings.thresholds[a][step]);
      const metric = crossed[0];
      if (metric) {
        level = step;
        cause = { metric, rate: rates[metric], threshold: settings.thresholds[metric][step] };
        break;
      }
    }
  }
  return { ...counts, bounceRate: rates.bounce, complaintRate: rates.complaint, sufficientVolume, level, cause };
}

/** `0.0423` -> `4.23 %` (up to four significant decimals of a percent). */
export function formatRate(rate: number): string {
  return `${+(rate * 100).toFixed(rate < 0.01 ? 3 : 2)} %`;
}
