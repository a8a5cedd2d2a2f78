import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import { applyEffects } from '../ses-events/apply.js';
import type { RecordEventInput } from './ports.js';
import { initialRecipientTracking, type RecipientEffectGroup } from '../model.js';
import { RECIPIENT_COLUMNS } from './columns.js';
import { clickBurstStatement, machineCountIncrement } from '../ses-events/engagement-sql.js';
import { marks } from '../shared/sql-marks.js';
import { NEXT_EVENT_POSITION_SQL } from '../shared/event-position-sql.js';
import {
  compileChangeCondition,
  compileStatusSplit,
  compileTrackingEffects,
  type SqlFragment,
} from './tracking-sql.js';

/**
 * The statements that record one event, for one D1 batch (one transaction): the first inserts the
 * event unless its SNS MessageId or its content identity is already there (`ON CONFLICT DO
 * NOTHING` without a target covers both unique keys), its email row is missing or that row is
 * bound to another SES message; every other statement runs only if that insert is this attempt's own
 * (matched by the random `token`), so a duplicate delivery, a concurrent duplicate or a retry after
 * a failure never counts an event twice. In order:
 * 1. the insert, with the engagement verdict of an open or click and its feed position
 *    (`NEXT_EVENT_POSITION_SQL`, written with the row), `RETURNING` its key (the store reads
 *    "applied" from the row it returns);
 * 2. for a click: it and the clicks of the email it makes a burst with (another link within the
 *    rules' window) become `machine` (`click-burst`), as the pure `classifyEngagementSet` says,
 *    reading only its neighbourhood (`clickBurstStatement`); a trigger moves the machine counter
 *    of each click that changes;
 * 3. the UPDATE of the email row: its effects, and for an open or click machine on its own one
 *    more machine open or click (exact whatever the arrival order: each verdict counts once); two
 *    when the event raises the status, so the status is assigned only when it rises;
 * 4. one upsert per recipient group (`recipientEffectsOf`), over `json_each` of its addresses,
 *    leaving a row its effects do not change unwritten;
 * 5. the suppressions, each kept or replaced by a rule of precedence (`SUPPRESSION_OUTRANKS`), so
 *    the list, too, depends only on the set of events.
 * The triggers of migrations/org/0011_daily_rollups.sql move the daily rollups (`rollups.ts`)
 * inside these same statements, so they count only what an own insert applied, with no statement
 * of their own. `recordInputCost` (routing/record.ts) counts them; a test holds the two equal.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://www.sqlite.org/lang_upsert.html (a last ON CONFLICT clause may omit the target)
 * @see https://www.sqlite.org/json1.html#jeach
 */
export function recordStatements(db: D1Database, input: RecordEventInput, token: string): D1PreparedStatement[] {
  const own = [input.event.snsMessageId, token];
  const statements = [insertEvent(db, input, token)];
  if (input.event.link !== null && input.event.engagement !== null) {
    statements.push(clickBurstStatement(db, [input.event.snsMessageId], { sql: OWN_INSERT, params: own }));
  }
  statements.push(...updateEmail(db, input, own));
  for (const group of input.recipients) statements.push(upsertRecipients(db, input.emailId, group, own));
  for (const s of input.suppressions) {
    statements.push(
      db
        .prepare(
          `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at)
           SELECT ?, ?, ?, ?, ? WHERE ${OWN_INSERT}
           ON CONFLICT (email_address) DO UPDATE SET
             reason = excluded.reason, detail = excluded.detail, source_email_id = excluded.source_email_id
           WHERE ${SUPPRESSION_OUTRANKS}`,
        )
        .bind(s.emailAddress, s.reason, s.detail, input.emailId, input.receivedAt, ...own),
    );
  }
  return statements;
}

/**
 * The email must exist and, if it already knows its SES message id, be that message's row. (A row
 * not bound yet is reached only through the route that sendEmail wrote for this message.)
 */
const EMAIL_MATCHES = `EXISTS (SELECT 1 FROM emails WHERE id = ? AND (ses_message_id IS NULL OR ses_message_id = ?))`;
/**
 * Whether the suppression being inserted (`excluded`) replaces the one the address has, so that
 * the list's row depends only on the set of events, never on their order: a manual entry (an
 * admin's decision) is never replaced; a complaint outranks a permanent bounce; between two of the
 * same reason the smaller (detail, source email id) stays. `created_at` is when the address was
 * first suppressed, whichever event that was.
 * @see https://www.sqlite.org/lang_upsert.html
 * @see https://www.sqlite.org/rowvalue.html
 */
const SUPPRESSION_OUTRANKS = `email_suppressions.reason <> 'manual' AND (
  (excluded.reason = 'complaint' AND email_suppressions.reason = 'bounce')
  OR (excluded.reason = email_suppressions.reason
      AND (coalesce(excluded.detail, ''), coalesce(excluded.source_email_id, ''))
        < (coalesce(email_suppressions.detail, ''), coalesce(email_suppressions.source_email_id, ''))))`;
const OWN_INSERT = `EXISTS (SELECT 1 FROM email_events WHERE sns_message_id = ? AND ingest_token = ?)`;

function insertEvent(db: D1Database, { emailId, event, receivedAt }: RecordEventInput, token: string) {
  return db
    .prepare(
      `INSERT INTO email_events
         (sns_message_id, email_id, ses_message_id, event_type, occurred_at, detail, received_at, ingest_token,
          engagement, engagement_rule, rules_version, is_bot_event, link, mail_timestamp, content_id, source,
          archive_key, position)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${NEXT_EVENT_POSITION_SQL} WHERE ${EMAIL_MATCHES}
       ON CONFLICT DO NOTHING
       RETURNING sns_message_id`,
    )
    .bind(
      event.snsMessageId,
      emailId,
      event.sesMessageId,
      event.eventType,
      event.occurredAt,
      event.detail,
      receivedAt,
      token,
      event.engagement?.engagement ?? null,
      event.engagement?.rule ?? null,
      event.engagement?.rulesVersion ?? null,
      event.isBotEvent,
      event.link,
      event.mailTimestamp,
      event.contentId,
      event.source,
      event.archiveKey,
      emailId,
      event.sesMessageId,
    );
}

/**
 * The UPDATE of the email row, or two when the effects raise the status: one for a row whose
 * status stays, without assigning it, then one for a row whose status rises (`compileStatusSplit`),
 * so `emails_by_status` is written only when the status changes. Exactly one of the two changes
 * the row.
 */
function updateEmail(db: D1Database, input: RecordEventInput, own: unknown[]): D1PreparedStatement[] {
  const engagement =
    input.event.engagement?.engagement !== 'machine'
      ? []
      : [machineCountIncrement(input.event.link === null ? 'Open' : 'Click')];
  const update = (effects: SqlFragment, where: SqlFragment) =>
    db
      .prepare(
        `UPDATE emails SET ${[effects.sql, ...engagement, 'updated_at = ?'].filter(Boolean).join(', ')}
         WHERE id = ? AND ${where.sql} AND ${OWN_INSERT}`,
      )
      .bind(...effects.params, input.receivedAt, input.emailId, ...where.params, ...own);
  const split = compileStatusSplit(input.effects);
  const all = compileTrackingEffects(input.effects);
  if (!split) return [update(all, { sql: 'true', params: [] })];
  return [
    update(split.withoutStatus, { sql: `NOT (${split.rises.sql})`, params: split.rises.params }),
    update(all, split.rises),
  ];
}

/** Tracking columns of a recipient row (all but the key and `kind`). */
const RECIPIENT_TRACKING_FIELDS = Object.keys(initialRecipientTracking()) as Array<
  keyof ReturnType<typeof initialRecipientTracking>
>;

/**
 * Inserts each recipient of the group as the effects leave a fresh one, or applies the effects to
 * the row it already has (SQLite evaluates DO UPDATE SET against the existing row), unless they
 * change nothing of it (`compileChangeCondition`: a repeated Delivery, say), so such a row is not
 * written again.
 */
function upsertRecipients(db: D1Database, emailId: string, group: RecipientEffectGroup, own: unknown[]) {
  const fresh = applyEffects(initialRecipientTracking(), group.effects);
  const columns = RECIPIENT_TRACKING_FIELDS.map((field) => RECIPIENT_COLUMNS[field]);
  const update = compileTrackingEffects(group.effects, RECIPIENT_COLUMNS);
  const changes = compileChangeCondition(group.effects, RECIPIENT_COLUMNS);
  return db
    .prepare(
      `INSERT INTO email_recipients (email_id, address, ${columns.join(', ')})
       SELECT ?, value, ${marks(columns.length)} FROM json_each(?) WHERE ${OWN_INSERT}
       ON CONFLICT (email_id, address) DO UPDATE SET ${update.sql} WHERE ${changes.sql}`,
    )
    .bind(
      emailId,
      ...RECIPIENT_TRACKING_FIELDS.map((field) => fresh[field]),
      JSON.stringify(group.addresses),
      ...own,
      ...update.params,
      ...changes.params,
    );
}
