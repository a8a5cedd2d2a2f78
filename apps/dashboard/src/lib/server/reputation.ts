import type { DailyEmailStats } from 'kuratchi-sdk/email/d1';

/**
 * SES account review thresholds: a bounce rate of 5 % puts an account under review and 10 % may
 * pause sending; for complaints, 0.1 % and 0.5 %.
 * @see https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html
 */
export const SES_THRESHOLDS = {
  bounce: { warning: 0.05, atRisk: 0.1 },
  complaint: { warning: 0.001, atRisk: 0.005 },
} as const;

/** A rate against its thresholds. */
export interface RateStatus {
  rate: number;
  level: 'healthy' | 'warning' | 'at-risk';
  warning: number;
  atRisk: number;
}

/**
 * Bounce and complaint rates over the charted days, per recipient as SES computes them: bounced
 * (complained) recipients over recipients sent to, so a message to three people counts three.
 * @see https://docs.aws.amazon.com/ses/latest/dg/reputationdashboard-metrics.html
 */
export function reputation(stats: readonly DailyEmailStats[]): {
  /** Recipients sent to. */
  sent: number;
  bounce: RateStatus;
  complaint: RateStatus;
} {
  const sent = stats.reduce((sum, day) => sum + day.recipientsSent, 0);
  const rate = (count: number) => (sent === 0 ? 0 : count / sent);
  const status = (value: number, thresholds: { warning: number; atRisk: number }): RateStatus => ({
    rate: value,
    level: value >= thresholds.atRisk ? 'at-risk' : value >= thresholds.warning ? 'warning' : 'healthy',
    ...thresholds,
  });
  return {
    sent,
    bounce: status(rate(stats.reduce((sum, day) => sum + day.recipientsBounced, 0)), SES_THRESHOLDS.bounce),
    complaint: status(rate(stats.reduce((sum, day) => sum + day.recipientsComplained, 0)), SES_THRESHOLDS.complaint),
  };
}
