import type { D1Database } from '@cloudflare/workers-types';

/** A change of ours not yet made at SES (a row of `ses_suppression_changes`, migrations/org/0009). */
export interface QueuedSuppressionChange {
  emailAddress: string;
  /** The address as SES's list spells it (SES keeps case; its calls need that case). */
  sesAddress: string;
  change: 'put' | 'delete';
  reason: string;
  attempts: number;
  lastError: string | null;
}

/** Where the pull of SES's list stands (the one row of `ses_suppression_sync`). */
export interface TenantSyncState {
  passStartedAt: number | null;
  nextToken: string | null;
  lastPassAt: number | null;
  failures: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/** An address on SES's tenant list, as one page of ListSuppressedDestinations gives it. */
export interface SesListedAddress {
  sesAddress: string;
  reason: 'bounce' | 'complaint';
}

/** Detail of an entry that came from SES's tenant list. */
export const FROM_SES_DETAIL = 'on the SES tenant suppression list';

const NO_STATE: TenantSyncState = {
  passStartedAt: null,
  nextToken: null,
  lastPassAt: null,
  failures: 0,
  lastError: null,
  lastErrorAt: null,
};

/**
 * The queue and the pull state of an organisation's tenant sync, on D1 prepared statements (the
 * same statements run in the organisation's Durable Object).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1TenantSyncStore(db: D1Database) {
  const saveState = (state: TenantSyncState) =>
    db
      .prepare(
        `INSERT OR REPLACE INTO ses_suppression_sync
           (id, pass_started_at, next_token, last_pass_at, failures, last_error, last_error_at) VALUES (1, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(state.passStartedAt, state.nextToken, state.lastPassAt, state.failures, state.lastError, state.lastErrorAt);
  return {
    async state(): Promise<TenantSyncState> {
      const row = await db
        .prepare(
          `SELECT pass_started_at AS passStartedAt, next_token AS nextToken, last_pass_at AS lastPassAt, failures,
                  last_error AS lastError, last_error_at AS lastErrorAt FROM ses_suppression_sync WHERE id = 1`,
        )
        .first<TenantSyncState>();
      return row ?? NO_STATE;
    },

    async saveState(state: TenantSyncState): Promise<void> {
      await saveState(state).run();
    },

    /**
     * Records one page of SES's list: new addresses join ours (unless we removed them and SES has
     * not been told yet), known ones are marked seen at `now`. The state is saved in the same batch.
     */
    async recordPage(listed: readonly SesListedAddress[], now: number, state: TenantSyncState): Promise<void> {
      const statements = listed.map((entry) =>
        db
          .prepare(
            `INSERT INTO email_suppressions (email_address, reason, detail, source_email_id, created_at, ses_address, ses_seen_at)
             SELECT ?1, ?2, ?3, NULL, ?4, ?5, ?4
             WHERE NOT EXISTS (SELECT 1 FROM ses_suppression_changes WHERE email_address = ?1 AND change = 'delete')
             ON CONFLICT (email_address) DO UPDATE SET ses_seen_at = excluded.ses_seen_at, ses_address = excluded.ses_address`,
          )
          .bind(entry.sesAddress.toLowerCase(), entry.reason, FROM_SES_DETAIL, now, entry.sesAddress),
      );
      await db.batch([...statements, saveState(state)]);
    },

    /**
     * Ends a pass: an address seen at SES before the pass began and not seen in it was removed
     * there, so it leaves ours (unless a put of ours is still queued for it). Counted by RETURNING:
     * D1's `changes` would count the rows the delete trigger queues too.
     */
    async endPass(passStartedAt: number, state: TenantSyncState): Promise<number> {
      const [removed] = await db.batch([
        db
          .prepare(
            `DELETE FROM email_suppressions WHERE ses_seen_at < ? AND NOT EXISTS (SELECT 1 FROM ses_suppression_changes c
               WHERE c.email_address = email_suppressions.email_address AND c.change = 'put') RETURNING email_address`,
          )
          .bind(passStartedAt),
        saveState(state),
      ]);
      return removed!.results.length;
    },

    /** Up to `limit` queued changes, the least tried first. */
    async queued(limit: number): Promise<QueuedSuppressionChange[]> {
      const { results } = await db
        .prepare(
          `SELECT email_address AS emailAddress, ses_address AS sesAddress, change, reason, attempts, last_error AS lastError
           FROM ses_suppression_changes ORDER BY attempts, email_address LIMIT ?`,
        )
        .bind(limit)
        .all<QueuedSuppressionChange>();
      return results;
    },

    /** How many changes wait for SES, and how many of them failed at least once. */
    async queueCounts(): Promise<{ queued: number; failing: number }> {
      const row = await db
        .prepare('SELECT count(*) AS queued, coalesce(sum(attempts > 0), 0) AS failing FROM ses_suppression_changes')
        .first<{ queued: number; failing: number }>();
      return row ?? { queued: 0, failing: 0 };
    },

    /** A change SES made: off the queue (if it is still that change), and a put marks the address seen. */
    async done(change: QueuedSuppressionChange, now: number): Promise<void> {
      const dequeue = db
        .prepare('DELETE FROM ses_suppression_changes WHERE email_address = ? AND change = ?')
        .bind(change.emailAddress, change.change);
      if (change.change === 'delete') return void (await dequeue.run());
      await db.batch([
        dequeue,
        db
          .prepare(
            'UPDATE email_suppressions SET ses_seen_at = ?, ses_address = coalesce(ses_address, ?) WHERE email_address = ?',
          )
          .bind(now, change.sesAddress, change.emailAddress),
      ]);
    },

    /** A change SES refused or did not answer: kept, with the error, for the next run. */
    async failed(change: QueuedSuppressionChange, error: string, now: number): Promise<void> {
      await db
        .prepare(
          `UPDATE ses_suppression_changes SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?
           WHERE email_address = ? AND change = ?`,
        )
        .bind(error.slice(0, 500), now, change.emailAddress, change.change)
        .run();
    },
  };
}

/** The store of {@link createD1TenantSyncStore}. */
export type TenantSyncStore = ReturnType<typeof createD1TenantSyncStore>;
