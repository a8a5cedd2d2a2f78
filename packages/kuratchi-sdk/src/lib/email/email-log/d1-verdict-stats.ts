import type { D1Database } from '@cloudflare/workers-types';
import { rollupDay } from '../routing/rollups.js';

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
 * Verdict counts on an organisation's D1 database, read from the daily rollups (`verdict_human`,
 * `verdict_machine`, keyed by rule: migrations/org/0011_daily_rollups.sql).
 */
export function createD1VerdictStats(db: D1Database) {
  return {
    /**
     * Opens and clicks that happened in the UTC days from the day of `from` to the day of `to - 1`,
     * by verdict and rule, most first; canaries left out.
     */
    async verdictCounts(from: number, to: number): Promise<VerdictCount[]> {
      const { results } = await db
        .prepare(
          `SELECT CASE metric WHEN 'verdict_human' THEN 'human' ELSE 'machine' END AS engagement, key AS rule,
                  sum(count) AS count
           FROM email_rollups WHERE day >= ? AND day <= ? AND metric IN ('verdict_human', 'verdict_machine')
           GROUP BY metric, key HAVING sum(count) > 0 ORDER BY count DESC, engagement, rule`,
        )
        .bind(rollupDay(from), rollupDay(to - 1))
        .all<VerdictCount>();
      return results;
    },
  };
}
