import type { D1Database } from '@cloudflare/workers-types';
import { retentionCutoffs, type RetentionPolicy } from './policy.js';
import { MAX_GUARD_WINDOW_DAYS } from '../shared/reputation-marks-sql.js';
import { guardRollupsCutoff, purgeGuardRollupsStatements } from '../shared/guard-rollups-sql.js';
import { linkRollupsTrimDay, trimLinkRollups } from './link-rollups.js';

const DAY_MS = 86_400_000;

/**
 * What one invocation may spend, shared by every organisation it visits: statements sent to a
 * database (each statement of a batch counts one, as D1 counts queries per invocation) and a
 * wall-clock deadline. D1 allows 1,000 queries per Worker invocation and the cron shares the
 * invocation with the other jobs, so the job gives the purge a small part of it.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export interface PurgeBudget {
  /** Statements left; decremented as they are sent. */
  queriesLeft: number;
  /** Epoch ms after which no new slice starts. */
  deadline: number;
}

/** Options of {@link purgeOrganization}. */
export interface PurgeOrganizationOptions {
  adminDb: D1Database;
  /** The organisation's database (a D1 binding or its Durable Object through the SQL wire). */
  orgDb: D1Database;
  organizationId: string;
  policy: RetentionPolicy;
  now: Date;
  budget: PurgeBudget;
  /**
   * Emails per slice (default {@link PURGE_EMAIL_SLICE}: the ids travel as one bound JSON list,
   * so a statement stays far below 100 KB, and a slice's batch far below 30 s).
   */
  emailSlice?: number;
  /** Events per slice (default {@link PURGE_EVENT_SLICE}). */
  eventSlice?: number;
  /** The clock the deadline is read on (default `Date.now`). */
  clock?: () => number;
}

/** What {@link purgeOrganization} did. */
export interface OrganizationPurge {
  emailsDeleted: number;
  eventsDeleted: number;
  /** Reputation marks (org migration 0016) older than the guard's longest window. */
  marksDeleted: number;
  /** The guard's hourly and daily buckets (org migration 0019) older than its longest window. */
  guardRollupsDeleted: number;
  /** Link rollups of days past the events retention beyond each day's top links (link-rollups.ts). */
  linkRollupsDeleted: number;
  /** Emails past their retention kept because events of theirs are still parked. */
  keptParked: number;
  /** Nothing past the retention is left (but emails kept for their parked events). */
  caughtUp: boolean;
  /**
   * Nothing was purged: the organisation's rollups are still being backfilled (the
   * `rollup-backfill` job), and rows deleted before they are counted would lose their figures.
   */
  waitingForBackfill: boolean;
  /** Statements sent. */
  queries: number;
}

/**
 * Emails per slice by default: with {@link EMAIL_SLICE_QUERIES} statements a slice, 71 emails a
 * statement (docs/capacity.md derives the purge's capacity from it).
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export const PURGE_EMAIL_SLICE = 500;

/** Events (and guard marks, guard buckets) per slice by default. */
export const PURGE_EVENT_SLICE = 2_000;

/** Statements one email slice may need: select, parked check, routes, and the batch of four. */
export const EMAIL_SLICE_QUERIES = 7;

/** An email past its retention, as a slice selects it. */
interface OldEmail {
  id: string;
  sesMessageId: string | null;
  createdAt: number;
}

/**
 * Purges one organisation past its retention, a slice at a time, until nothing is left or the
 * budget is spent; the next call resumes where this one stopped (the purged rows are gone, and
 * each slice starts from the oldest rows left). Idempotent: a slice interrupted half-way is
 * redone whole by the next call.
 *
 * Per email slice (oldest first, `emails_by_created`): the emails created before the emails
 * cutoff; those whose SES message id still has events in the admin park are kept (the park would
 * otherwise apply them to nothing); the others' routes (`email_message_lookup`) are deleted
 * first, then in one batch their events, recipients, reconciliation rows and the emails (whose
 * trigger deletes their search rows). Then the events recorded before the events cutoff
 * (`email_events_by_occurred`); their emails keep their status, times and counts. Then the
 * reputation guard's marks older than its longest window (`MAX_GUARD_WINDOW_DAYS`, whatever the
 * retention: the guard reads them after their emails are gone), and the guard's buckets of org
 * migration 0019 before that window's first day. Then, of each day of the daily rollups before
 * the events cutoff and the overview's period, the top links only (`trimLinkRollups`). The
 * suppression list and the rollups' other metrics are never touched. An organisation whose rollups or marks are still being backfilled
 * (routing/rollup-backfill.ts) is not purged until they are.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://www.sqlite.org/json1.html#jeach
 */
export async function purgeOrganization(options: PurgeOrganizationOptions): Promise<OrganizationPurge> {
  const { adminDb, orgDb, organizationId, budget } = options;
  const emailSlice = options.emailSlice ?? PURGE_EMAIL_SLICE;
  const eventSlice = options.eventSlice ?? PURGE_EVENT_SLICE;
  const clock = options.clock ?? Date.now;
  const cutoffs = retentionCutoffs(options.policy, options.now);
  const result: OrganizationPurge = {
    emailsDeleted: 0,
    eventsDeleted: 0,
    marksDeleted: 0,
    guardRollupsDeleted: 0,
    linkRollupsDeleted: 0,
    keptParked: 0,
    caughtUp: false,
    waitingForBackfill: false,
    queries: 0,
  };
  const spend = (n: number) => {
    budget.queriesLeft -= n;
    result.queries += n;
  };
  const canSpend = (n: number) => budget.queriesLeft >= n && clock() < budget.deadline;

  // The backfills' markers (org migrations 0011, 0016): while one is there, nothing is deleted.
  spend(1);
  if (
    await orgDb
      .prepare(
        'SELECT 1 AS pending FROM email_rollups_backfill UNION ALL SELECT 1 FROM email_reputation_marks_backfill',
      )
      .first()
  ) {
    result.waitingForBackfill = true;
    return result;
  }

  // Emails, oldest first; `after` steps past the ones kept for their parked events.
  let emailsDone = false;
  let after: { createdAt: number; id: string } | null = null;
  while (canSpend(EMAIL_SLICE_QUERIES)) {
    spend(1);
    const { results: rows }: { results: OldEmail[] } = await orgDb
      .prepare(
        `SELECT id, ses_message_id AS sesMessageId, created_at AS createdAt FROM emails
         WHERE created_at < ?1 AND (?2 IS NULL OR created_at > ?2 OR (created_at = ?2 AND id > ?3))
         ORDER BY created_at, id LIMIT ?4`,
      )
      .bind(cutoffs.emails, after?.createdAt ?? null, after?.id ?? '', emailSlice)
      .all<OldEmail>();
    if (!rows.length) {
      emailsDone = true;
      break;
    }
    const last: OldEmail = rows[rows.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
    const sesIds = rows.flatMap((row) => (row.sesMessageId ? [row.sesMessageId] : []));
    let parked = new Set<string>();
    if (sesIds.length) {
      spend(1);
      const { results } = await adminDb
        .prepare(
          `SELECT DISTINCT ses_message_id AS id FROM parked_email_events
           WHERE ses_message_id IN (SELECT value FROM json_each(?1))`,
        )
        .bind(JSON.stringify(sesIds))
        .all<{ id: string }>();
      parked = new Set(results.map((row) => row.id));
    }
    const purged = rows.filter((row) => !(row.sesMessageId && parked.has(row.sesMessageId)));
    result.keptParked += rows.length - purged.length;
    const purgedSesIds = purged.flatMap((row) => (row.sesMessageId ? [row.sesMessageId] : []));
    if (purgedSesIds.length) {
      // Routes first: a route left behind by a failure here is retried with its email next time;
      // an email deleted first would leave its route behind for ever.
      spend(1);
      await adminDb
        .prepare(
          `DELETE FROM email_message_lookup
           WHERE organization_id = ?1 AND ses_message_id IN (SELECT value FROM json_each(?2))`,
        )
        .bind(organizationId, JSON.stringify(purgedSesIds))
        .run();
    }
    if (purged.length) {
      const ids = JSON.stringify(purged.map((row) => row.id));
      // RETURNING counts the rows themselves (D1's `changes` counts the search trigger's rows too).
      const byIds = (table: string, column: string) =>
        orgDb
          .prepare(`DELETE FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?1)) RETURNING 1 AS gone`)
          .bind(ids);
      spend(4);
      const answers = await orgDb.batch([
        byIds('email_events', 'email_id'),
        byIds('email_recipients', 'email_id'),
        byIds('email_reconciliation', 'email_id'),
        byIds('emails', 'id'),
      ]);
      result.emailsDeleted += answers[3]?.results.length ?? 0;
      result.eventsDeleted += answers[0]?.results.length ?? 0;
    }
    if (rows.length < emailSlice) {
      emailsDone = true;
      break;
    }
  }

  // Raw events past the events retention, oldest first.
  let eventsDone = false;
  while (emailsDone && canSpend(1)) {
    spend(1);
    const answer = await orgDb
      .prepare(
        `DELETE FROM email_events WHERE sns_message_id IN
           (SELECT sns_message_id FROM email_events WHERE occurred_at < ?1 ORDER BY occurred_at LIMIT ?2)
         RETURNING 1 AS gone`,
      )
      .bind(cutoffs.events, eventSlice)
      .all();
    result.eventsDeleted += answer.results.length;
    if (answer.results.length < eventSlice) {
      eventsDone = true;
      break;
    }
  }
  // The reputation guard's marks older than its longest window (it never reads them).
  let marksDone = false;
  while (eventsDone && canSpend(1)) {
    spend(1);
    const answer = await orgDb
      .prepare(
        `DELETE FROM email_reputation_marks WHERE (email_id, address, kind) IN
           (SELECT email_id, address, kind FROM email_reputation_marks
            WHERE kind IN ('bounced', 'complained') AND sent_at < ?1 LIMIT ?2)
         RETURNING 1 AS gone`,
      )
      .bind(options.now.getTime() - MAX_GUARD_WINDOW_DAYS * DAY_MS, eventSlice)
      .all();
    result.marksDeleted += answer.results.length;
    if (answer.results.length < eventSlice) {
      marksDone = true;
      break;
    }
  }
  // Then its buckets (org migration 0019) that start before the day of its longest window's start.
  let bucketsDone = false;
  while (marksDone && canSpend(2)) {
    spend(2);
    const [, answer] = await orgDb.batch(
      purgeGuardRollupsStatements(orgDb, guardRollupsCutoff(options.now.getTime()), eventSlice),
    );
    const deleted = answer?.results.length ?? 0;
    result.guardRollupsDeleted += deleted;
    if (deleted < eventSlice) {
      bucketsDone = true;
      break;
    }
  }
  // Then the link rollups of the days with no raw event left: each day's top links only.
  const links = bucketsDone
    ? await trimLinkRollups(orgDb, linkRollupsTrimDay(cutoffs.events, options.now), eventSlice, { canSpend, spend })
    : { deleted: 0, done: false };
  result.linkRollupsDeleted = links.deleted;
  result.caughtUp = emailsDone && eventsDone && marksDone && bucketsDone && links.done;
  return result;
}
