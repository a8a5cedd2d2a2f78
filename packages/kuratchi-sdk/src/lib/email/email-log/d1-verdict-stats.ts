import type { D1Database } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';

/**
 * How many opens and clicks of a period each verdict rule decided: `ses-likely-bot` /
 * `ses-unlikely-bot` when SES's `isBotEvent` did, else the id of our rule (`verdictBy` tells which).
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-open-object
 */
export interface VerdictCount {
  engagement: 'human' | 'machine';
  rule: string;
  count: number;
}

/**
 * Verdict counts on an organisation's D1 database, read from the covering index
 * `email_events_verdicts_by_time` (`migrations/org/0008_ses_bot_verdict.sql`).
 */
export function createD1VerdictStats(db: D1Database) {
  return {
    /** Opens and clicks that happened in [from, to) by verdict and rule, most first; canaries left out. */
    async verdictCounts(from: number, to: number): Promise<VerdictCount[]> {
      const { results } = await db
        .prepare(
          `SELECT engagement, engagement_rule AS rule, count(*) AS count
           FROM email_events INDEXED BY email_events_verdicts_by_time
           WHERE engagement IS NOT NULL AND occurred_at >= ? AND occurred_at < ? AND ${notCanarySql('email_events')}
           GROUP BY engagement, engagement_rule ORDER BY count DESC, engagement, rule`,
        )
        .bind(from, to)
        .all<VerdictCount>();
      return results;
    },
  };
}
