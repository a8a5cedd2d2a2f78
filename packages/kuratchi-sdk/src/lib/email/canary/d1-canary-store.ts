import type { D1Database } from '@cloudflare/workers-types';
import { marks } from '../shared/sql-marks.js';
import type { CanaryExpectedEvent, CanaryRun, CanaryRunStatus } from './types.js';

const RUN_COLUMNS = `id, organization_id AS organizationId, started_at AS startedAt, deadline_at AS deadlineAt,
  status, decided_at AS decidedAt, error, trigger`;
const EVENT_COLUMNS = `run_id AS runId, scenario, event_type AS eventType, recipient, email_id AS emailId,
  ses_message_id AS sesMessageId, sent_at AS sentAt, arrived_at AS arrivedAt`;

type RunRow = Omit<CanaryRun, 'events'>;
type EventRow = Omit<CanaryExpectedEvent, 'lagMs'> & { runId: string };

/**
 * The canary runs of the admin database (`canary_runs`, `canary_expectations`:
 * migrations/admin/0009_canary.sql) on D1 prepared statements.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1CanaryStore(db: D1Database) {
  async function withEvents(runs: RunRow[]): Promise<CanaryRun[]> {
    if (!runs.length) return [];
    const { results } = await db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM canary_expectations WHERE run_id IN (${marks(runs.length)})
         ORDER BY sent_at, scenario, event_type`,
      )
      .bind(...runs.map((r) => r.id))
      .all<EventRow>();
    return runs.map((run) => ({
      ...run,
      events: results
        .filter((e) => e.runId === run.id)
        .map(({ runId: _r, ...e }) => ({ ...e, lagMs: e.arrivedAt === null ? null : e.arrivedAt - e.sentAt })),
    }));
  }

  return {
    /** Writes a new run and its expected events in one batch. */
    async insertRun(run: CanaryRun): Promise<void> {
      await db.batch([
        db
          .prepare(
            `INSERT INTO canary_runs (id, organization_id, started_at, deadline_at, status, decided_at, error, trigger)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .bind(
            run.id,
            run.organizationId,
            run.startedAt,
            run.deadlineAt,
            run.status,
            run.decidedAt,
            run.error,
            run.trigger,
          ),
        ...run.events.map((e) =>
          db
            .prepare(
              `INSERT INTO canary_expectations
                 (run_id, scenario, event_type, recipient, email_id, ses_message_id, sent_at, arrived_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .bind(run.id, e.scenario, e.eventType, e.recipient, e.emailId, e.sesMessageId, e.sentAt, e.arrivedAt),
        ),
      ]);
    },

    /** One run, or null. */
    async getRun(id: string): Promise<CanaryRun | null> {
      const row = await db.prepare(`SELECT ${RUN_COLUMNS} FROM canary_runs WHERE id = ?`).bind(id).first<RunRow>();
      return row ? ((await withEvents([row]))[0] ?? null) : null;
    },

    /** The latest runs, newest first (at most `limit`, max 100); `decidedOnly`: runs no longer waiting. */
    async latestRuns(limit: number, options: { decidedOnly?: boolean } = {}): Promise<CanaryRun[]> {
      const { results } = await db
        .prepare(
          `SELECT ${RUN_COLUMNS} FROM canary_runs ${options.decidedOnly ? "WHERE status != 'waiting'" : ''}
           ORDER BY started_at DESC, id DESC LIMIT ?`,
        )
        .bind(Math.min(Math.max(Math.trunc(limit), 1), 100))
        .all<RunRow>();
      return withEvents(results);
    },

    /** Runs still waiting for their events, oldest first (at most `limit`). */
    async waitingRuns(limit: number): Promise<CanaryRun[]> {
      const { results } = await db
        .prepare(`SELECT ${RUN_COLUMNS} FROM canary_runs WHERE status = 'waiting' ORDER BY started_at LIMIT ?`)
        .bind(limit)
        .all<RunRow>();
      return withEvents(results);
    },

    /** Records when expected events arrived (first arrival kept) and, if given, the run's decision. */
    async update(
      runId: string,
      arrivals: ReadonlyArray<{ scenario: string; eventType: string; arrivedAt: number }>,
      decision: { status: Exclude<CanaryRunStatus, 'waiting'>; at: number } | null,
    ): Promise<void> {
      const statements = arrivals.map((a) =>
        db
          .prepare(
            `UPDATE canary_expectations SET arrived_at = ?
             WHERE run_id = ? AND scenario = ? AND event_type = ? AND arrived_at IS NULL`,
          )
          .bind(a.arrivedAt, runId, a.scenario, a.eventType),
      );
      if (decision)
        statements.push(
          db
            .prepare(`UPDATE canary_runs SET status = ?, decided_at = ? WHERE id = ? AND status = 'waiting'`)
            .bind(decision.status, decision.at, runId),
        );
      if (statements.length) await db.batch(statements);
    },
  };
}

/** The type of {@link createD1CanaryStore}'s result. */
export type CanaryStore = ReturnType<typeof createD1CanaryStore>;

/**
 * When each event of these emails was first recorded in the organisation's database
 * (`email_events.received_at`: after SES, SNS, the webhook and, in queued mode, the queue),
 * keyed `emailId/eventType`.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export async function canaryArrivals(orgDb: D1Database, emailIds: readonly string[]): Promise<Map<string, number>> {
  if (!emailIds.length) return new Map();
  const { results } = await orgDb
    .prepare(
      `SELECT email_id AS emailId, event_type AS eventType, min(received_at) AS arrivedAt FROM email_events
       WHERE email_id IN (${marks(emailIds.length)}) GROUP BY email_id, event_type`,
    )
    .bind(...emailIds)
    .all<{ emailId: string; eventType: string; arrivedAt: number }>();
  return new Map(results.map((r) => [`${r.emailId}/${r.eventType}`, r.arrivedAt]));
}
