import type { D1Database } from '@cloudflare/workers-types';
import { backfillRollups, ROLLUP_BACKFILL_SLICE_QUERIES, type RollupBackfillBudget } from './rollup-backfill.js';

/**
 * The part of one Worker invocation the backfill may use by default: 200 of D1's 1,000 queries
 * (the cron's other jobs share the invocation) and 10 of its 30 seconds; a slice of 1,000 emails
 * is one batch, far below the 30 seconds D1 allows a query and short enough not to hold a
 * Durable Object for long.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/durable-objects/platform/limits/
 */
export const DEFAULT_ROLLUP_BACKFILL_BUDGET = { queries: 200, milliseconds: 10_000 } as const;

/**
 * `rollup_backfill_progress.done` of an organisation whose backfills are all finished: 2 since
 * org migration 0016 added the reputation marks' backfill (1 was written when 0011's rollups were
 * the only one), so every organisation is visited once more for its marks.
 */
export const ROLLUP_BACKFILL_DONE = 2;

/** Options of {@link runRollupBackfill}. */
export interface RunRollupBackfillOptions {
  adminDb: D1Database;
  /** Opens an organisation's database (`createOrgDatabaseClient`). */
  orgDatabase: (organizationId: string) => Promise<D1Database>;
  now: Date;
  budget?: { queries: number; milliseconds: number };
  /** Emails per slice (default 1,000). */
  slice?: number;
  clock?: () => number;
}

/** What one run did (the job's log line). */
export interface RollupBackfillRun {
  visited: number;
  /** Organisations whose backfill is finished (or that had none) at this visit. */
  done: number;
  /** Email rowids counted in this run. */
  rowids: number;
  /** Statements sent, the admin database's included. */
  queries: number;
  /** Organisations left for the next run. */
  left: number;
  /** Organisations that could not be visited (database unreachable, moving), with the error. */
  failures: string[];
}

/**
 * One run of the `rollup-backfill` job (the daily rollups of org migration 0011, then the
 * reputation marks of 0016): visits the organisations whose backfill is not known
 * to be done (never visited first, then visited longest ago) with {@link backfillRollups} until
 * the budget is spent, recording each visit in `rollup_backfill_progress` (admin migration 0032).
 * Once every organisation is done, a run is one query. A failing organisation is named in
 * `failures`; the others go on.
 */
export async function runRollupBackfill(options: RunRollupBackfillOptions): Promise<RollupBackfillRun> {
  const clock = options.clock ?? Date.now;
  const limits = options.budget ?? DEFAULT_ROLLUP_BACKFILL_BUDGET;
  const budget: RollupBackfillBudget = { queriesLeft: limits.queries - 1, deadline: clock() + limits.milliseconds };
  const run: RollupBackfillRun = { visited: 0, done: 0, rowids: 0, queries: 1, left: 0, failures: [] };
  const { results: candidates } = await options.adminDb
    .prepare(
      `SELECT o.id AS organizationId FROM organizations o
       LEFT JOIN rollup_backfill_progress p ON p.organization_id = o.id
       WHERE o.removed_at IS NULL AND p.done IS NOT ?1
       ORDER BY p.checked_at IS NOT NULL, p.checked_at, o.id`,
    )
    .bind(ROLLUP_BACKFILL_DONE)
    .all<{ organizationId: string }>();
  for (const [index, { organizationId }] of candidates.entries()) {
    // A visit needs its database opened (a read of the admin database when the client has not
    // cached its location; not in `queries`), its read, its progress row and at least a slice.
    if (budget.queriesLeft < ROLLUP_BACKFILL_SLICE_QUERIES + 3 || clock() >= budget.deadline) {
      run.left = candidates.length - index;
      break;
    }
    try {
      budget.queriesLeft -= 2; // opening the database, and the progress row below
      const orgDb = await options.orgDatabase(organizationId);
      const visit = await backfillRollups(orgDb, budget, {
        clock,
        now: options.now.getTime(),
        ...(options.slice ? { slice: options.slice } : {}),
      });
      await options.adminDb
        .prepare(
          `INSERT INTO rollup_backfill_progress (organization_id, checked_at, done) VALUES (?1, ?2, ?3)
           ON CONFLICT (organization_id) DO UPDATE SET checked_at = ?2, done = ?3`,
        )
        .bind(organizationId, options.now.getTime(), visit.done ? ROLLUP_BACKFILL_DONE : 0)
        .run();
      run.visited++;
      if (visit.done) run.done++;
      run.rowids += visit.rowids;
      run.queries += visit.queries + 1;
    } catch (error) {
      run.failures.push(
        `${organizationId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  }
  return run;
}
