import type { D1Database } from '@cloudflare/workers-types';
import { classifyEngagement, ENGAGEMENT_RULES, type EngagementRules } from './engagement.js';
import { parseSesEvent, type SesEventOf } from './ses-event.js';
import { clickBurstStatement } from './engagement-sql.js';
import { marks } from '../shared/sql-marks.js';

/** Most events one reclassification page handles (≈ 1 D1 query each, 1,000 per invocation). */
export const MAX_RECLASSIFY_PAGE = 100;

/** What one page of {@link reclassifyEngagementPage} did. */
export interface ReclassifyPage {
  /** Opens and clicks of older (or no) rules version looked at. */
  scanned: number;
  /** Of those, how many now have another verdict (human <-> machine). */
  changed: number;
  /** The SNS MessageId to continue after, or null when no such event is left. */
  next: string | null;
  rulesVersion: number;
}

interface StoredEngagement {
  snsMessageId: string;
  emailId: string;
  sesMessageId: string;
  eventType: 'Open' | 'Click';
  detail: string;
  isBotEvent: string | null;
  mailTimestamp: number;
  engagement: string | null;
}

/**
 * Classifies again, with `rules` (default the current table), the opens and clicks of an
 * organisation recorded under another rules version (or before engagement was classified), a
 * page at a time in SNS MessageId order: each event's intrinsic verdict from its stored detail, SES's
 * `isBotEvent` (`is_bot_event`: when it says `Likely` or `Unlikely` it decides, as live) and
 * `mail.timestamp` (the email's `sent_at` for events recorded before that was stored), then the
 * click-burst rule around the page's clicks, all in one D1 batch; each verdict that changes moves
 * its email's machine counter by one (the trigger of `migrations/org/0007_click_cost.sql`). The
 * result is what live ingestion under `rules` would have recorded; running it again finds nothing
 * left to do (idempotent), and events arriving meanwhile are recorded with the current version.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export async function reclassifyEngagementPage(
  db: D1Database,
  options: { after?: string | null; limit?: number; rules?: EngagementRules } = {},
): Promise<ReclassifyPage> {
  const rules = options.rules ?? ENGAGEMENT_RULES;
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? MAX_RECLASSIFY_PAGE), 1), MAX_RECLASSIFY_PAGE);
  const { results: rows } = await db
    .prepare(
      `SELECT e.sns_message_id AS snsMessageId, e.email_id AS emailId, e.ses_message_id AS sesMessageId,
              e.event_type AS eventType, e.detail, e.is_bot_event AS isBotEvent,
              coalesce(e.mail_timestamp, m.sent_at, m.created_at) AS mailTimestamp, e.engagement
       FROM email_events AS e JOIN emails AS m ON m.id = e.email_id
       WHERE e.sns_message_id > ? AND e.event_type IN ('Open', 'Click')
         AND (e.rules_version IS NULL OR e.rules_version != ?)
       ORDER BY e.sns_message_id LIMIT ?`,
    )
    .bind(options.after ?? '', rules.version, limit)
    .all<StoredEngagement>();
  if (!rows.length) return { scanned: 0, changed: 0, next: null, rulesVersion: rules.version };

  const clickIds = rows.filter((row) => row.eventType === 'Click').map((row) => row.snsMessageId);
  const snsIds = rows.map((row) => row.snsMessageId);
  const results = await db.batch([
    ...rows.map((row) => {
      const verdict = classifyEngagement(storedEvent(row), rules);
      return db
        .prepare(
          'UPDATE email_events SET engagement = ?, engagement_rule = ?, rules_version = ? WHERE sns_message_id = ?',
        )
        .bind(verdict.engagement, verdict.rule, verdict.rulesVersion, row.snsMessageId);
    }),
    clickBurstStatement(db, clickIds, undefined, rules),
    db
      .prepare(
        `SELECT sns_message_id AS id, engagement FROM email_events WHERE sns_message_id IN (${marks(snsIds.length)})`,
      )
      .bind(...snsIds),
  ]);
  const after = new Map(
    ((results.at(-1)?.results ?? []) as Array<{ id: string; engagement: string }>).map((r) => [r.id, r.engagement]),
  );
  return {
    scanned: rows.length,
    changed: rows.filter((row) => after.get(row.snsMessageId) !== row.engagement).length,
    next: rows.length === limit ? rows.at(-1)!.snsMessageId : null,
    rulesVersion: rules.version,
  };
}

/** How many opens and clicks are not classified under `rules` (the work reclassification has). */
export async function countEngagementToReclassify(db: D1Database, rules: EngagementRules = ENGAGEMENT_RULES) {
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM email_events
       WHERE event_type IN ('Open', 'Click') AND (rules_version IS NULL OR rules_version != ?)`,
    )
    .bind(rules.version)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** The stored open or click as the SES event the rules classify. */
function storedEvent(row: StoredEngagement): SesEventOf<'Open'> | SesEventOf<'Click'> {
  // SES's verdict as stored (`is_bot_event`), never overridden by the rules.
  const detail = { ...(JSON.parse(row.detail) as object), isBotEvent: row.isBotEvent ?? undefined };
  const mail = { timestamp: new Date(row.mailTimestamp).toISOString(), messageId: row.sesMessageId };
  const event =
    row.eventType === 'Open' ? { eventType: 'Open', mail, open: detail } : { eventType: 'Click', mail, click: detail };
  return parseSesEvent(event) as SesEventOf<'Open'> | SesEventOf<'Click'>;
}
