import type { D1Database } from '@cloudflare/workers-types';
import { contributionsSql, DAY_MS } from './rollups.js';
import { MAX_GUARD_WINDOW_DAYS, REPUTATION_MARK_SQL } from '../shared/reputation-marks-sql.js';

/**
 * An organisation's rollup backfill still to do (`email_rollups_backfill`, 0011_daily_rollups.sql):
 * the emails whose rowid is in (cursor, highWater] are not counted in `email_rollups` yet.
 */
export interface RollupBackfillMarker {
  highWater: number;
  cursor: number;
}

/**
 * What one run may spend on an organisation, shared by the organisations it visits: statements
 * sent (each statement of a batch counts one, as D1 counts queries per invocation) and a
 * wall-clock deadline after which no slice starts.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export interface RollupBackfillBudget {
  queriesLeft: number;
  deadline: number;
}

/** What {@link backfillRollups} did to one organisation. */
export interface OrganizationRollupBackfill {
  /** Email rowids passed (the emails of the slices done, gaps and canary emails included), of both backfills. */
  rowids: number;
  /** No marker is left: every email is counted and marked. */
  done: boolean;
  /** The rollups' marker left (null when done). */
  marker: RollupBackfillMarker | null;
  /** The reputation marks' marker left (`email_reputation_marks_backfill`, org migration 0016; null when done). */
  marks: RollupBackfillMarker | null;
  /** Statements sent. */
  queries: number;
}

/** Statements of one slice's batch: three inserts, the cursor, the marker's removal. */
export const ROLLUP_BACKFILL_SLICE_QUERIES = 5;

/** Default emails per slice (by rowid): their recipients and events come with them. */
export const DEFAULT_ROLLUP_BACKFILL_SLICE = 1_000;

/** Statements of one slice of the marks' backfill: the insert, the cursor, the marker's removal. */
export const MARKS_BACKFILL_SLICE_QUERIES = 3;

/** The marker of the reputation marks' backfill (org migration 0016), or null when it has none. */
export async function readMarksBackfill(db: D1Database): Promise<RollupBackfillMarker | null> {
  return db
    .prepare('SELECT high_water AS highWater, cursor FROM email_reputation_marks_backfill WHERE id = 1')
    .first<RollupBackfillMarker>();
}

/**
 * Marks (`email_reputation_marks`, org migration 0016) the recipients of the emails with a rowid
 * in (from, to] that bounced permanently or complained on a message sent since `since`, and moves
 * the marker's cursor to `to` (removing it at its high water), as ONE batch. Marks are a set, so a
 * slice sent twice, or a row its trigger marked meanwhile, is marked once.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function marksBackfillSlice(db: D1Database, from: number, to: number, since: number) {
  const marked = (kind: keyof typeof REPUTATION_MARK_SQL) =>
    `k.column1 = '${kind}' AND ${REPUTATION_MARK_SQL[kind]('x')}`;
  return [
    db
      .prepare(
        `INSERT INTO email_reputation_marks (email_id, address, kind, sent_at)
         SELECT x.email_id, x.address, k.column1, x.sent_at
         FROM emails AS e JOIN email_recipients AS x ON x.email_id = e.id CROSS JOIN (VALUES ('bounced'), ('complained')) AS k
         WHERE e.rowid > ?1 AND e.rowid <= ?2 AND e.canary = 0 AND x.sent_at >= ?3
           AND ((${marked('bounced')}) OR (${marked('complained')}))
         ON CONFLICT DO NOTHING`,
      )
      .bind(from, to, since),
    db.prepare('UPDATE email_reputation_marks_backfill SET cursor = ?2 WHERE cursor = ?1').bind(from, to),
    db.prepare('DELETE FROM email_reputation_marks_backfill WHERE cursor >= high_water'),
  ];
}

/** The backfill marker of an organisation, or null when it has none (nothing to backfill). */
export async function readRollupBackfill(db: D1Database): Promise<RollupBackfillMarker | null> {
  return db
    .prepare('SELECT high_water AS highWater, cursor FROM email_rollups_backfill WHERE id = 1')
    .first<RollupBackfillMarker>();
}

/**
 * Counts the emails with a rowid in (from, to], their recipients and their events into
 * `email_rollups`, and moves the marker's cursor to `to` (removing the marker once it reaches
 * its high water), as ONE batch (one transaction, on D1 and on a Durable Object): the slice
 * counts all or nothing. Each insert runs only while the cursor is still at `from`, so a slice
 * sent twice (a retried or concurrent run) counts once. The triggers skip these rows until the
 * cursor passes them (0011_daily_rollups.sql), so a row is counted by exactly one of the two.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/durable-objects/api/storage-api/#transactionsync
 */
export function rollupBackfillSlice(db: D1Database, from: number, to: number) {
  const atCursor = 'EXISTS (SELECT 1 FROM email_rollups_backfill WHERE cursor = ?1)';
  const inSlice = (alias: string) => `${alias}.rowid > ?1 AND ${alias}.rowid <= ?2 AND ${alias}.canary = 0`;
  const bySlice = (table: string) => `emails AS e JOIN ${table} AS x ON x.email_id = e.id`;
  const add = (contributions: string) =>
    db
      .prepare(
        `INSERT INTO email_rollups (day, metric, key, count)
         SELECT day, metric, key, count(*) FROM (${contributions})
         WHERE day IS NOT NULL AND ${atCursor} GROUP BY day, metric, key
         ON CONFLICT DO UPDATE SET count = count + excluded.count`,
      )
      .bind(from, to);
  return [
    add(contributionsSql('emails', `WHERE ${inSlice('x')}`)),
    // The slice's emails first, then their rows through the index on `email_id`.
    add(contributionsSql('email_recipients', `WHERE ${inSlice('e')}`, bySlice('email_recipients'))),
    add(contributionsSql('email_events', `WHERE ${inSlice('e')}`, bySlice('email_events'))),
    db.prepare('UPDATE email_rollups_backfill SET cursor = ?2 WHERE cursor = ?1').bind(from, to),
    db.prepare('DELETE FROM email_rollups_backfill WHERE cursor >= high_water'),
  ];
}

/**
 * Backfills one organisation's rollups, then its reputation marks (those of messages sent in the
 * guard's longest window before `now`: older ones are never read), a slice at a time (`slice`
 * emails by rowid, oldest first) until both markers are gone or the budget is spent; the next
 * call resumes at the cursors. Idempotent (see {@link rollupBackfillSlice} and
 * {@link marksBackfillSlice}). An organisation without a marker costs one query.
 */
export async function backfillRollups(
  db: D1Database,
  budget: RollupBackfillBudget,
  options: { slice?: number; clock?: () => number; now?: number } = {},
): Promise<OrganizationRollupBackfill> {
  const slice = options.slice ?? DEFAULT_ROLLUP_BACKFILL_SLICE;
  const clock = options.clock ?? Date.now;
  budget.queriesLeft -= 1;
  const both = await db
    .prepare(
      `SELECT r.high_water AS highWater, r.cursor, m.high_water AS marksHighWater, m.cursor AS marksCursor
       FROM (SELECT 1) LEFT JOIN email_rollups_backfill r LEFT JOIN email_reputation_marks_backfill m`,
    )
    .first<{ highWater: number | null; cursor: number; marksHighWater: number | null; marksCursor: number }>();
  let marker: RollupBackfillMarker | null =
    both?.highWater != null ? { highWater: both.highWater, cursor: both.cursor } : null;
  let marks: RollupBackfillMarker | null =
    both?.marksHighWater != null ? { highWater: both.marksHighWater, cursor: both.marksCursor } : null;
  const result: OrganizationRollupBackfill = { rowids: 0, done: false, marker, marks, queries: 1 };
  while (marker && budget.queriesLeft >= ROLLUP_BACKFILL_SLICE_QUERIES && clock() < budget.deadline) {
    const to = Math.min(marker.cursor + slice, marker.highWater);
    budget.queriesLeft -= ROLLUP_BACKFILL_SLICE_QUERIES;
    result.queries += ROLLUP_BACKFILL_SLICE_QUERIES;
    const answers = await db.batch(rollupBackfillSlice(db, marker.cursor, to));
    if (!answers[3]?.meta.changes) {
      // Another run moved the cursor first: read where it is now.
      budget.queriesLeft -= 1;
      result.queries += 1;
      marker = await readRollupBackfill(db);
      continue;
    }
    result.rowids += to - marker.cursor;
    marker = to >= marker.highWater ? null : { highWater: marker.highWater, cursor: to };
  }
  result.marker = marker;
  if (marker) return result;
  const since = (options.now ?? clock()) - MAX_GUARD_WINDOW_DAYS * DAY_MS;
  while (marks && budget.queriesLeft >= MARKS_BACKFILL_SLICE_QUERIES && clock() < budget.deadline) {
    const to = Math.min(marks.cursor + slice, marks.highWater);
    budget.queriesLeft -= MARKS_BACKFILL_SLICE_QUERIES;
    result.queries += MARKS_BACKFILL_SLICE_QUERIES;
    const answers = await db.batch(marksBackfillSlice(db, marks.cursor, to, since));
    if (!answers[1]?.meta.changes) {
      // Another run moved the cursor first: read where it is now.
      budget.queriesLeft -= 1;
      result.queries += 1;
      marks = await readMarksBackfill(db);
      continue;
    }
    result.rowids += to - marks.cursor;
    marks = to >= marks.highWater ? null : { highWater: marks.highWater, cursor: to };
  }
  result.marks = marks;
  result.done = marks === null;
  return result;
}
