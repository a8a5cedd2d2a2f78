import type { D1Database } from '@cloudflare/workers-types';
import { rollupDay } from '../routing/rollups.js';

/**
 * Clicks of one link of one email, people and machines apart. SES reports clicks per message, not
 * per recipient, so a "clicker" is a distinct (IP address, user agent) pair of the Click events:
 * an estimate, which the dashboard labels as such. Clicks recorded before engagement was
 * classified (no verdict yet) count as human until `reclassify` runs.
 * @see https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html#event-publishing-retrieving-sns-contents-click-object
 */
export interface EmailLinkStats {
  link: string;
  humanClicks: number;
  machineClicks: number;
  /** Distinct (IP address, user agent) pairs among the human clicks. */
  uniqueHumanClickers: number;
}

/** One link's clicks over a period, across the organisation's emails. */
export interface TopLink {
  link: string;
  humanClicks: number;
  machineClicks: number;
}

const IS_MACHINE = `engagement = 'machine'`;
const CLICKER = `coalesce(json_extract(detail, '$.ipAddress'), '') || '|' || coalesce(json_extract(detail, '$.userAgent'), '')`;

/**
 * Per-link click statistics on an organisation's D1 database: an email's from its events
 * (`email_events.link`), a period's from the daily rollups.
 */
export function createD1LinkStats(db: D1Database) {
  return {
    /** Every clicked link of an email, most human clicks first. */
    async linkStats(emailId: string): Promise<EmailLinkStats[]> {
      const { results } = await db
        .prepare(
          `SELECT link, sum(NOT coalesce(${IS_MACHINE}, 0)) AS humanClicks, sum(coalesce(${IS_MACHINE}, 0)) AS machineClicks,
                  count(DISTINCT CASE WHEN ${IS_MACHINE} THEN NULL ELSE ${CLICKER} END) AS uniqueHumanClickers
           FROM email_events WHERE email_id = ? AND event_type = 'Click' AND link IS NOT NULL
           GROUP BY link ORDER BY humanClicks DESC, machineClicks DESC, link`,
        )
        .bind(emailId)
        .all<EmailLinkStats>();
      return results;
    },

    /**
     * The most clicked links (by people) of clicks that happened in the UTC days from the day of
     * `from` to the day of `to - 1`, at most `limit` (max 100). Clicks of canary emails are left
     * out. Read from the daily rollups (`link_human`, `link_machine`): the cost depends on the days
     * and their links, not on the clicks, and stays once retention has deleted the events.
     */
    async topLinks(from: number, to: number, limit = 10): Promise<TopLink[]> {
      const { results } = await db
        .prepare(
          `SELECT key AS link, sum(CASE WHEN metric = 'link_human' THEN count ELSE 0 END) AS humanClicks,
                  sum(CASE WHEN metric = 'link_machine' THEN count ELSE 0 END) AS machineClicks
           FROM email_rollups WHERE day >= ? AND day <= ? AND metric IN ('link_human', 'link_machine')
           GROUP BY key HAVING humanClicks > 0 OR machineClicks > 0
           ORDER BY humanClicks DESC, machineClicks DESC, link LIMIT ?`,
        )
        .bind(rollupDay(from), rollupDay(to - 1), Math.min(Math.max(Math.trunc(limit), 1), 100))
        .all<TopLink>();
      return results;
    },
  };
}
