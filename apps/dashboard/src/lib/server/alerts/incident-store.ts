import type { D1Database } from '@cloudflare/workers-types';
import type { AlertCondition, AlertKind } from './condition';
import type { OpenIncident } from './plan';

/** A notice's state (admin migration 0010). */
export type NoticeState = 'pending' | 'sent' | 'failed' | 'off';
export type NoticeTransition = 'opened' | 'cleared';

/** An incident with its notices, as the dashboard lists it. */
export interface IncidentRecord extends OpenIncident {
  clearedAt: number | null;
  notices: Partial<Record<NoticeTransition, { state: NoticeState; attempts: number; lastError: string | null }>>;
}

/** A notice a run has claimed and must send now. */
export interface ClaimedNotice {
  incident: IncidentRecord;
  transition: NoticeTransition;
  attempts: number;
}

const INCIDENT_COLUMNS = `i.id, i.key, i.kind, i.organization_id AS organizationId, i.severity, i.title, i.detail,
  i.opened_at AS openedAt, i.cleared_at AS clearedAt`;

interface IncidentRow extends Omit<IncidentRecord, 'notices'> {
  notices: string | null;
}

/**
 * The alert incidents and their notices in the admin database (migration 0010). Every write is
 * safe against two overlapping cron runs: one open incident per key (a partial unique index),
 * one notice per incident and transition (the primary key), and a notice is sent by the run that
 * claims it with a conditional update.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 */
export function createD1IncidentStore(db: D1Database) {
  const noticeInsert = (incidentId: string, transition: NoticeTransition, state: NoticeState, at: number) =>
    db
      .prepare(
        `INSERT INTO alert_notices (incident_id, transition, state, next_attempt_at)
         SELECT id, ?, ?, ? FROM alert_incidents WHERE id = ?
         ON CONFLICT (incident_id, transition) DO NOTHING`,
      )
      .bind(transition, state, at, incidentId);

  return {
    /** The incidents open now. */
    async listOpen(): Promise<OpenIncident[]> {
      const { results } = await db
        .prepare(`SELECT ${INCIDENT_COLUMNS} FROM alert_incidents i WHERE i.cleared_at IS NULL ORDER BY i.opened_at`)
        .all<OpenIncident & { clearedAt: null }>();
      return results.map(({ clearedAt: _, ...incident }) => incident);
    },

    /**
     * Opens an incident and its "opened" notice in one batch; nothing when one is already open
     * under this key (the notice is written only if this incident row was).
     */
    async open(condition: AlertCondition, at: number, notice: 'pending' | 'off'): Promise<void> {
      const id = crypto.randomUUID();
      await db.batch([
        db
          .prepare(
            `INSERT INTO alert_incidents (id, key, kind, organization_id, severity, title, detail, opened_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          )
          .bind(
            id,
            condition.key,
            condition.kind,
            condition.organizationId,
            condition.severity,
            condition.title,
            condition.detail,
            at,
          ),
        noticeInsert(id, 'opened', notice, at),
      ]);
    },

    /** Updates the wording of an open incident (not notified). */
    async reword(change: { id: string; severity: AlertCondition['severity']; title: string; detail: string }) {
      await db
        .prepare('UPDATE alert_incidents SET severity = ?, title = ?, detail = ? WHERE id = ? AND cleared_at IS NULL')
        .bind(change.severity, change.title, change.detail, change.id)
        .run();
    },

    /** Clears an open incident and writes its "cleared" notice, once whatever the runs. */
    async clear(id: string, at: number, notice: 'pending' | 'off'): Promise<void> {
      await db.batch([
        db.prepare('UPDATE alert_incidents SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL').bind(at, id),
        noticeInsert(id, 'cleared', notice, at),
      ]);
    },

    /**
     * Claims up to `limit` pending notices due at `now`: each is pushed to `now + leaseMs` and its
     * attempt counted, so an overlapping run cannot send it too. Oldest incidents first.
     */
    async claimDue(now: number, leaseMs: number, limit: number): Promise<ClaimedNotice[]> {
      const { results } = await db
        .prepare(
          `UPDATE alert_notices SET next_attempt_at = ?, attempts = attempts + 1
           WHERE state = 'pending' AND next_attempt_at <= ? AND (incident_id, transition) IN (
             SELECT incident_id, transition FROM alert_notices
             WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
           RETURNING incident_id AS incidentId, transition, attempts`,
        )
        .bind(now + leaseMs, now, now, limit)
        .all<{ incidentId: string; transition: NoticeTransition; attempts: number }>();
      if (!results.length) return [];
      const incidents = await this.byIds(results.map((r) => r.incidentId));
      return results.flatMap((r) => {
        const incident = incidents.get(r.incidentId);
        return incident ? [{ incident, transition: r.transition, attempts: r.attempts }] : [];
      });
    },

    /** Records the outcome of sending a claimed notice. */
    async settle(
      incidentId: string,
      transition: NoticeTransition,
      outcome: { state: 'sent'; at: number } | { state: 'pending' | 'failed'; error: string; retryAt: number },
    ): Promise<void> {
      const statement =
        outcome.state === 'sent'
          ? db
              .prepare(
                "UPDATE alert_notices SET state = 'sent', sent_at = ?, last_error = NULL WHERE incident_id = ? AND transition = ?",
              )
              .bind(outcome.at, incidentId, transition)
          : db
              .prepare(
                'UPDATE alert_notices SET state = ?, last_error = ?, next_attempt_at = ? WHERE incident_id = ? AND transition = ?',
              )
              .bind(outcome.state, outcome.error, outcome.retryAt, incidentId, transition);
      await statement.run();
    },

    /**
     * The incidents of an organisation (and, with `deployment`, those of the whole deployment)
     * open now or opened since `since`, newest first, with their notices.
     */
    async list(filter: { organizationId: string; deployment: boolean; since: number; limit: number }) {
      const { results } = await db
        .prepare(
          `SELECT ${INCIDENT_COLUMNS}, ${NOTICES_JSON} FROM alert_incidents i
           WHERE (i.organization_id = ? OR (? AND i.organization_id IS NULL))
             AND (i.cleared_at IS NULL OR i.opened_at >= ?)
           ORDER BY i.cleared_at IS NULL DESC, i.opened_at DESC LIMIT ?`,
        )
        .bind(filter.organizationId, filter.deployment ? 1 : 0, filter.since, filter.limit)
        .all<IncidentRow>();
      return results.map(toRecord);
    },

    async byIds(ids: string[]): Promise<Map<string, IncidentRecord>> {
      const { results } = await db
        .prepare(
          `SELECT ${INCIDENT_COLUMNS}, ${NOTICES_JSON} FROM alert_incidents i
           WHERE i.id IN (SELECT value FROM json_each(?))`,
        )
        .bind(JSON.stringify(ids))
        .all<IncidentRow>();
      return new Map(results.map((row) => [row.id, toRecord(row)]));
    },
  };
}

/** The store of {@link createD1IncidentStore}. */
export type IncidentStore = ReturnType<typeof createD1IncidentStore>;

const NOTICES_JSON = `(SELECT json_group_object(n.transition,
    json_object('state', n.state, 'attempts', n.attempts, 'lastError', n.last_error))
  FROM alert_notices n WHERE n.incident_id = i.id) AS notices`;

function toRecord({ notices, ...row }: IncidentRow): IncidentRecord {
  return { ...row, kind: row.kind as AlertKind, notices: notices ? JSON.parse(notices) : {} };
}
