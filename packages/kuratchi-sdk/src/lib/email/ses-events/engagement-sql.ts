import type { D1Database } from '@cloudflare/workers-types';
import { ENGAGEMENT_RULES, type EngagementRules } from './engagement.js';
import { marks } from '../shared/sql-marks.js';

/**
 * The SQL side of the engagement rules (`ses-events/engagement.ts`): the cross-event click-burst rule
 * over `email_events`, and the machine counters of `emails` counted from it. Shared by recording
 * an event and by reclassifying history, so both apply the same rule.
 */

/**
 * Marks `machine` (`click-burst`) every human click of these emails that another click of the
 * same email on a different link is within the rules' window of: the SQL twin of
 * `classifyEngagementSet`'s cross-event rule (symmetric, so the order of arrival cannot matter).
 * @param guard an extra SQL condition with its parameters (e.g. "this attempt's insert won").
 */
export function clickBurstStatement(
  db: D1Database,
  emailIds: readonly string[],
  guard: { sql: string; params: unknown[] } = { sql: 'true', params: [] },
  rules: EngagementRules = ENGAGEMENT_RULES,
) {
  return db
    .prepare(
      `UPDATE email_events SET engagement = 'machine', engagement_rule = 'click-burst'
       WHERE email_id IN (${marks(emailIds.length)}) AND event_type = 'Click' AND engagement = 'human'
         AND EXISTS (SELECT 1 FROM email_events AS other
                     WHERE other.email_id = email_events.email_id AND other.event_type = 'Click'
                       AND other.link != email_events.link
                       AND abs(other.occurred_at - email_events.occurred_at) <= ?)
         AND ${guard.sql}`,
    )
    .bind(...emailIds, rules.clickBurstWindowMs, ...guard.params);
}

/** `SET` assignment counting an email's machine opens or clicks again from `email_events`. */
export function machineCountAssignment(eventType: 'Open' | 'Click'): string {
  const column = eventType === 'Open' ? 'machine_open_count' : 'machine_click_count';
  return `${column} = (SELECT count(*) FROM email_events WHERE email_id = emails.id AND event_type = '${eventType}' AND engagement = 'machine')`;
}
