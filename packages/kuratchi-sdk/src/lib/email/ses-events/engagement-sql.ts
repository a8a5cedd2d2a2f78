import type { D1Database } from '@cloudflare/workers-types';
import { ENGAGEMENT_RULES, type EngagementRules } from './engagement.js';

/**
 * The SQL side of the engagement rules (`ses-events/engagement.ts`): the cross-event click-burst
 * rule over `email_events`, and the machine counters of `emails`. Shared by recording an event and
 * by reclassifying history, so both apply the same rule.
 *
 * Cost: the work of one click is bounded by its email's distinct links (one index step each) and
 * the clicks its verdict changes (each click changes at most once), never by how many clicks the
 * email has; the counters move by one per verdict (the trigger of `migrations/org/0007_click_cost.sql`
 * for a change, {@link machineCountIncrement} for an insert). `record-cost.test.ts` counts it.
 * @see https://developers.cloudflare.com/d1/sql-api/sql-statements/ (D1 runs SQLite's SQL)
 * @see https://www.sqlite.org/lang_with.html#recursive_common_table_expressions
 * @see https://www.sqlite.org/partialindex.html
 */

/**
 * Marks `machine` (`click-burst`) the human clicks that these clicks (SNS MessageIds of clicks
 * just recorded or reclassified) make a burst with: each such click itself when another click of
 * its email on a different link is within the rules' window of it, and every human click of
 * another link within that window. The SQL twin of `classifyEngagementSet`'s cross-event rule
 * (symmetric, so the order of arrival cannot matter). A click SES called `Unlikely` (`is_bot_event`)
 * stays human, whatever the rule says, yet still makes a burst for the other click of a pair, like
 * `classifyEngagementSet`; the human-click index leaves it out (`migrations/org/0008_ses_bot_verdict.sql`).
 * As long as every click passes through here
 * once it is recorded, no pair is missed, and no click far from these ones is read. The email's
 * links are walked through `email_events_clicks_by_email_link` (a skip scan: one step per link),
 * each link's clicks read as a range of `occurred_at` (`BETWEEN`, never `abs(a - b)`).
 * @param guard an extra SQL condition with its parameters (e.g. "this attempt's insert won").
 */
export function clickBurstStatement(
  db: D1Database,
  clickIds: readonly string[],
  guard: { sql: string; params: unknown[] } = { sql: 'true', params: [] },
  rules: EngagementRules = ENGAGEMENT_RULES,
) {
  const window = rules.clickBurstWindowMs;
  return db
    .prepare(
      `WITH RECURSIVE
         new_click (id, email_id, link, at) AS (
           SELECT sns_message_id, email_id, link, occurred_at FROM email_events
           WHERE sns_message_id IN (SELECT value FROM json_each(?)) AND event_type = 'Click' AND link IS NOT NULL),
         email_link (email_id, link) AS (
           SELECT n.email_id, (SELECT c.link FROM email_events AS c INDEXED BY email_events_clicks_by_email_link
                               WHERE c.email_id = n.email_id AND c.event_type = 'Click' AND c.link IS NOT NULL
                               ORDER BY c.link LIMIT 1)
           FROM (SELECT DISTINCT email_id FROM new_click) AS n
           UNION ALL
           SELECT l.email_id, (SELECT c.link FROM email_events AS c INDEXED BY email_events_clicks_by_email_link
                               WHERE c.email_id = l.email_id AND c.event_type = 'Click' AND c.link > l.link
                               ORDER BY c.link LIMIT 1)
           FROM email_link AS l WHERE l.link IS NOT NULL),
         burst (id) AS (
           SELECT n.id FROM new_click AS n
           WHERE EXISTS (SELECT 1 FROM email_link AS l
                         WHERE l.email_id = n.email_id AND l.link <> n.link
                           AND EXISTS (SELECT 1 FROM email_events AS o INDEXED BY email_events_clicks_by_email_link
                                       WHERE o.email_id = n.email_id AND o.event_type = 'Click' AND o.link = l.link
                                         AND o.occurred_at BETWEEN n.at - ? AND n.at + ?))
           UNION ALL
           SELECT x.sns_message_id
           FROM new_click AS n
             JOIN email_link AS l ON l.email_id = n.email_id AND l.link <> n.link
             JOIN email_events AS x INDEXED BY email_events_human_clicks_by_email_link
               ON x.email_id = n.email_id AND x.link = l.link
           WHERE x.event_type = 'Click' AND x.engagement = 'human' AND x.is_bot_event IS NOT 'Unlikely'
             AND x.occurred_at BETWEEN n.at - ? AND n.at + ?)
       UPDATE email_events SET engagement = 'machine', engagement_rule = 'click-burst'
       WHERE sns_message_id IN (SELECT id FROM burst) AND event_type = 'Click' AND engagement = 'human'
         AND is_bot_event IS NOT 'Unlikely' AND ${guard.sql}`,
    )
    .bind(JSON.stringify(clickIds), window, window, window, window, ...guard.params);
}

/**
 * `SET` assignment counting one more machine open or click: for the statement that records an
 * event whose own verdict is machine. A verdict that changes later moves the counter through
 * the trigger `email_events_machine_count_after_update` (`migrations/org/0007_click_cost.sql`).
 */
export function machineCountIncrement(eventType: 'Open' | 'Click'): string {
  const column = eventType === 'Open' ? 'machine_open_count' : 'machine_click_count';
  return `${column} = ${column} + 1`;
}
