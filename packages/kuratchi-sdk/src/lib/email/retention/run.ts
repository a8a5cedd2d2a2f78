import type { D1Database } from '@cloudflare/workers-types';
import { createD1RetentionStore } from './d1-retention-store.js';
import { effectiveRetention, type RetentionPolicy } from './policy.js';
import { purgeOrganization, type PurgeBudget } from './purge.js';

/**
 * The part of one Worker invocation the purge may use by default: 300 of D1's 1,000 queries
 * (the cron's other jobs share the invocation) and 10 of its 30 seconds.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 * @see https://developers.cloudflare.com/workers/platform/limits/#cpu-time
 */
export const DEFAULT_PURGE_BUDGET = { queries: 300, milliseconds: 10_000 } as const;

/** Options of {@link runRetentionPurge}. */
export interface RunRetentionPurgeOptions {
  adminDb: D1Database;
  /** Opens an organisation's database (`createOrgDatabaseClient`). */
  orgDatabase: (organizationId: string) => Promise<D1Database>;
  /** The deployment's retention (the settings). */
  defaults: RetentionPolicy;
  now: Date;
  /** Statements and milliseconds this run may use (default {@link DEFAULT_PURGE_BUDGET}). */
  budget?: { queries: number; milliseconds: number };
  clock?: () => number;
  emailSlice?: number;
  eventSlice?: number;
}

/** What one run did (the job's log line). */
export interface RetentionPurgeRun {
  visited: number;
  caughtUp: number;
  emailsDeleted: number;
  eventsDeleted: number;
  keptParked: number;
  /** Organisations not purged yet because their rollups are still being backfilled. */
  waitingForBackfill: number;
  /** Statements sent, the admin database's included. */
  queries: number;
  /** Organisations left for the next run (the budget ran out before them). */
  left: number;
  /** Organisations that could not be purged (database unreachable, moving), with the error. */
  failures: string[];
}

/**
 * One run of the `retention-purge` job: visits organisations (least recently visited first)
 * with {@link purgeOrganization} until the budget is spent, and records each visit so that the
 * next run resumes with the organisations this one did not reach. A moving or unreachable
 * organisation is skipped and named in `failures`; the others go on.
 */
export async function runRetentionPurge(options: RunRetentionPurgeOptions): Promise<RetentionPurgeRun> {
  const clock = options.clock ?? Date.now;
  const limits = options.budget ?? DEFAULT_PURGE_BUDGET;
  const budget: PurgeBudget = { queriesLeft: limits.queries, deadline: clock() + limits.milliseconds };
  const store = createD1RetentionStore(options.adminDb);
  const run: RetentionPurgeRun = {
    visited: 0,
    caughtUp: 0,
    emailsDeleted: 0,
    eventsDeleted: 0,
    keptParked: 0,
    waitingForBackfill: 0,
    queries: 1,
    left: 0,
    failures: [],
  };
  budget.queriesLeft -= 1;
  const candidates = await store.purgeCandidates();
  for (const [index, candidate] of candidates.entries()) {
    // A visit needs its database opened, its progress row and at least a slice: stop before
    // starting one that cannot finish.
    if (budget.queriesLeft < 10 || clock() >= budget.deadline) {
      run.left = candidates.length - index;
      break;
    }
    try {
      const policy = effectiveRetention(options.defaults, candidate.override);
      const orgDb = await options.orgDatabase(candidate.organizationId);
      // The progress row below, and opening the database (a read of the admin database when the
      // client has not cached its location; not in `queries`, which counts the purge's own).
      budget.queriesLeft -= 2;
      const purge = await purgeOrganization({
        adminDb: options.adminDb,
        orgDb,
        organizationId: candidate.organizationId,
        policy,
        now: options.now,
        budget,
        clock,
        ...(options.emailSlice ? { emailSlice: options.emailSlice } : {}),
        ...(options.eventSlice ? { eventSlice: options.eventSlice } : {}),
      });
      await store.recordProgress({
        organizationId: candidate.organizationId,
        at: options.now.getTime(),
        caughtUp: purge.caughtUp,
        emailsDeleted: purge.emailsDeleted,
        eventsDeleted: purge.eventsDeleted,
      });
      run.visited++;
      if (purge.caughtUp) run.caughtUp++;
      run.emailsDeleted += purge.emailsDeleted;
      run.eventsDeleted += purge.eventsDeleted;
      run.keptParked += purge.keptParked;
      if (purge.waitingForBackfill) run.waitingForBackfill++;
      run.queries += purge.queries + 1;
    } catch (error) {
      run.failures.push(
        `${candidate.organizationId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      );
    }
  }
  return run;
}
