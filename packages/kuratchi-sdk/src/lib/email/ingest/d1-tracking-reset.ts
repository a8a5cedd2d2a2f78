import type { D1Database } from '@cloudflare/workers-types';
import { TRACKING_TIME_FIELDS } from '../model.js';
import { EMAIL_COLUMNS, RECIPIENT_COLUMNS } from '../routing/columns.js';
import { subtractRollupsStatement } from '../routing/rollups.js';
import { countUnarchivedEvents, unarchivedTotal, UnarchivedEventsError } from './d1-unarchived-events.js';

/** Most emails one reset page handles (a D1 batch of six statements, whatever the page size). */
export const MAX_RESET_PAGE = 500;

/** What one page of {@link resetTrackingPage} did. */
export interface ResetTrackingPage {
  /** Emails reset on this page. */
  emails: number;
  /** Their events deleted. */
  events: number;
  /** The email id to continue after, or null when no email is left. */
  next: string | null;
}

/**
 * Fields of an email row that only SES events write, back to their value before any event. Not
 * reset: what `sendEmail` wrote (addresses, subject, metadata, `error`), the SES message id, and
 * `sent_at`: `markSent` and the Send event both keep the earliest time, so the same set of events
 * applied again gives the same `sent_at` whatever it holds now.
 */
const EMAIL_RESET = (
  [
    ...TRACKING_TIME_FIELDS.filter((field) => field !== 'sentAt'),
    'lastClickedLink',
    'bounceType',
    'bounceSubType',
    'complaintFeedbackType',
    'rejectReason',
    'deliveryDelayType',
    'renderingFailure',
  ] as const
)
  .map((field) => `${EMAIL_COLUMNS[field]} = NULL`)
  .concat(['open_count', 'click_count', 'machine_open_count', 'machine_click_count'].map((c) => `${c} = 0`))
  .join(', ');

/** The same for a recipient row (its `sent_at` kept for the same reason). */
const RECIPIENT_RESET = (
  [
    'deliveredAt',
    'delayedAt',
    'bouncedAt',
    'complainedAt',
    'smtpResponse',
    'bounceType',
    'bounceSubType',
    'bounceDiagnostic',
    'complaintFeedbackType',
    'deliveryDelayType',
  ] as const
)
  .map((field) => `${RECIPIENT_COLUMNS[field]} = NULL`)
  .join(', ');

/** Options of {@link resetTrackingPage}. */
export interface ResetTrackingOptions {
  /** The email id to continue after (the previous page's `next`); absent for the first page. */
  after?: string | null;
  /** Only emails created at or after this time (epoch ms). */
  since?: number | null;
  /** Emails per page, at most {@link MAX_RESET_PAGE} (the default). */
  limit?: number;
  /**
   * Delete events the raw archive does not hold too (they cannot come back). Without it the
   * reset refuses them: {@link UnarchivedEventsError}.
   */
  dropUnarchived?: boolean;
}

/**
 * Resets the event-derived tracking state of one page of an organisation's sent emails (those
 * bound to an SES message, by id order, created at or after `since`), as `sendEmail` and
 * `markSent` left them, in one atomic D1 batch: the row `sent` with every event field cleared,
 * its recipients likewise (a recipient row that only an event created, `kind` NULL, deleted), its
 * events deleted, and the suppressions its events added (reason `bounce` or `complaint` with this
 * email as source) deleted; manual suppressions are kept. `kuratchi-ses rebuild` resets every
 * page, then applies the raw archive again, which gives back what live ingestion made.
 *
 * Events without an archived SNS message cannot come back: unless `dropUnarchived`, the first
 * page (no `after`) refuses when any email of the whole scope has one, and every page's batch
 * changes nothing when one of its emails has one (checked inside the batch, so an event recorded
 * meanwhile is never deleted either).
 * @throws {UnarchivedEventsError} when the reset would delete such events, before changing anything.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function resetTrackingPage(
  db: D1Database,
  options: ResetTrackingOptions = {},
): Promise<ResetTrackingPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? MAX_RESET_PAGE), 1), MAX_RESET_PAGE);
  const keep = !options.dropUnarchived;
  if (keep && !options.after) {
    const counts = await countUnarchivedEvents(db, { since: options.since ?? 0 });
    if (unarchivedTotal(counts) > 0) throw new UnarchivedEventsError(counts);
  }
  const { results } = await db
    .prepare(
      `SELECT id FROM emails WHERE id > ? AND ses_message_id IS NOT NULL AND created_at >= ? ORDER BY id LIMIT ?`,
    )
    .bind(options.after ?? '', options.since ?? 0, limit)
    .all<{ id: string }>();
  if (!results.length) return { emails: 0, events: 0, next: null };
  const ids = JSON.stringify(results.map((r) => r.id));
  const page = 'SELECT value FROM json_each(?)';
  // Every statement sees the page as it was before the batch: the events are deleted last.
  const guard = keep
    ? ` AND NOT EXISTS (SELECT 1 FROM email_events WHERE archive_key IS NULL AND email_id IN (${page}))`
    : '';
  const bind = (sql: string, returning = '') =>
    keep ? db.prepare(sql + guard + returning).bind(ids, ids) : db.prepare(sql + returning).bind(ids);
  const changes = await db.batch([
    // The daily rollups lose what the rows deleted below counted (the UPDATEs move theirs).
    subtractRollupsStatement(db, page, [ids], keep ? { sql: guard, params: [ids] } : undefined),
    bind(`DELETE FROM email_suppressions WHERE reason IN ('bounce', 'complaint') AND source_email_id IN (${page})`),
    // The reputation marks of those rows go with them (the UPDATE's trigger drops the others').
    bind(
      `DELETE FROM email_reputation_marks WHERE (email_id, address) IN
         (SELECT email_id, address FROM email_recipients WHERE kind IS NULL AND email_id IN (${page}))`,
    ),
    bind(`DELETE FROM email_recipients WHERE kind IS NULL AND email_id IN (${page})`),
    bind(`UPDATE email_recipients SET status = 'sent', ${RECIPIENT_RESET} WHERE email_id IN (${page})`),
    bind(`UPDATE emails SET status = 'sent', ${EMAIL_RESET} WHERE id IN (${page})`),
    // RETURNING counts the events themselves (D1's `changes` counts what triggers wrote too).
    bind(`DELETE FROM email_events WHERE email_id IN (${page})`, ' RETURNING 1 AS gone'),
  ]);
  if (keep && !changes[5]?.meta.changes) {
    const counts = await countUnarchivedEvents(db, { ids: results.map((r) => r.id) });
    if (unarchivedTotal(counts) > 0) throw new UnarchivedEventsError(counts);
  }
  return {
    emails: results.length,
    events: changes[6]?.results.length ?? 0,
    next: results.length === limit ? results[results.length - 1]!.id : null,
  };
}

/**
 * Of `emailIds`, those a reset from `since` covers (bound to an SES message, created at or after
 * `since`): the emails whose archived events `kuratchi-ses rebuild` applies again. One query.
 * @see https://www.sqlite.org/json1.html#jeach
 */
export async function emailsResetSince(
  db: D1Database,
  emailIds: readonly string[],
  since: number,
): Promise<Set<string>> {
  if (!emailIds.length) return new Set();
  const { results } = await db
    .prepare(
      `SELECT id FROM emails WHERE id IN (SELECT value FROM json_each(?1))
       AND ses_message_id IS NOT NULL AND created_at >= ?2`,
    )
    .bind(JSON.stringify([...new Set(emailIds)]), since)
    .all<{ id: string }>();
  return new Set(results.map((row) => row.id));
}
