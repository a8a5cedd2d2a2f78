import type { D1Database } from '@cloudflare/workers-types';
import { notCanarySql } from '../shared/canary-sql.js';

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
  /** Emails in which a person clicked it. */
  emailsClickedByHuman: number;
}

const IS_MACHINE = `engagement = 'machine'`;
const CLICKER = `coalesce(json_extract(detail, '$.ipAddress'), '') || '|' || coalesce(json_extract(detail, '$.userAgent'), '')`;

/**
 * Per-link click statistics on an organisation's D1 database (`email_events.link`, indexed for
 * the period query by `email_events_clicks_by_time`).
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
     * The most clicked links (by people) of clicks that happened in [from, to), at most `limit`
     * (max 100). Clicks of canary emails are left out.
     */
    async topLinks(from: number, to: number, limit = 10): Promise<TopLink[]> {
      const { results } = await db
        .prepare(
          `SELECT link, sum(NOT coalesce(${IS_MACHINE}, 0)) AS humanClicks, sum(coalesce(${IS_MACHINE}, 0)) AS machineClicks,
                  count(DISTINCT CASE WHEN ${IS_MACHINE} THEN NULL ELSE email_id END) AS emailsClickedByHuman
           FROM email_events WHERE event_type = 'Click' AND occurred_at >= ? AND occurred_at < ? AND link IS NOT NULL
             AND ${notCanarySql('email_events')}
           GROUP BY link ORDER BY humanClicks DESC, machineClicks DESC, link LIMIT ?`,
        )
        .bind(from, to, Math.min(Math.max(Math.trunc(limit), 1), 100))
        .all<TopLink>();
      return results;
    },
  };
}
