import type { DailyEmailStats } from 'kuratchi-sdk/internal/d1';

/** Open and click rates of delivered emails, all and by people only. */
export interface EngagementRates {
  delivered: number;
  openRate: number;
  humanOpenRate: number;
  clickRate: number;
  humanClickRate: number;
}

/**
 * Open and click rates over the charted days: emails opened (clicked) over emails delivered, with
 * every open counted and with only those the engagement rules attribute to a person (Apple Mail
 * Privacy Protection fetches and link scanners left out). Per email: SES reports opens and clicks
 * per message, not per recipient.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export function engagementRates(stats: readonly DailyEmailStats[]): EngagementRates {
  const total = (key: keyof Omit<DailyEmailStats, 'day'>) => stats.reduce((sum, day) => sum + day[key], 0);
  const delivered = total('delivered');
  const rate = (count: number) => (delivered === 0 ? 0 : Math.min(1, count / delivered));
  return {
    delivered,
    openRate: rate(total('opened')),
    humanOpenRate: rate(total('humanOpened')),
    clickRate: rate(total('clicked')),
    humanClickRate: rate(total('humanClicked')),
  };
}
