import type { D1Database } from '@cloudflare/workers-types';
import { z } from 'zod';
import { configurationSetNameSchema, DEFAULT_CONFIGURATION_SET_NAME } from '../shared/configuration-set.js';
import { InvalidOptionsError, parseOptions } from '../shared/invalid-options.js';
import { callEndedSql, takeCallSql } from '../shared/latest-call-sql.js';
import { ConfigurationSetTakenError } from './errors.js';

/**
 * Where the organisation's own configuration set stands at SES: sending `disabled` (paused) or
 * `enabled` again (lifted), or that call still to be made (`…-pending`: it failed, or there were
 * no AWS credentials). Null: no configuration set of its own, or nothing done yet.
 */
export type ConfigurationSetSending = 'disabled' | 'enabled' | 'disable-pending' | 'enable-pending';

/**
 * One call to an organisation's configuration set at SES, as its state records it: the number it
 * took before it was made (`takeConfigurationSetCall`) and its outcome, recorded by the rule of
 * `shared/latest-call-sql.ts` (admin migration 0036): when another call started meanwhile, or
 * what it set is no longer the state's wish (paused: disabled; else enabled), that wish becomes
 * pending again, and the next evaluation sets it once more.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
 */
export interface ConfigurationSetCall {
  number: number;
  sending: ConfigurationSetSending;
}

/** The guard's state of one organisation (admin table `reputation_guard_state`). */
export interface ReputationGuardState {
  organizationId: string;
  state: 'ok' | 'warn' | 'paused';
  /** When the organisation entered this state (epoch ms). */
  since: number;
  /** The cause of a warn or paused state: the metric, its rate and the threshold it crossed. */
  metric: 'bounce' | 'complaint' | null;
  rate: number | null;
  threshold: number | null;
  /** The last evaluation's rates, the recipients they were computed on, and the distinct addresses that bounced (complained). */
  bounceRate: number | null;
  complaintRate: number | null;
  recipients: number;
  bounced: number;
  complained: number;
  evaluatedAt: number;
  /** After a lift: only recipients sent at or after this time count towards a new pause. */
  rearmAfter: number | null;
  refusedSends: number;
  lastRefusedAt: number | null;
  configurationSetSending: ConfigurationSetSending | null;
  /**
   * The window whose verdict set the cause (`short`, or `long` of the configured days) and its
   * length in minutes; null without a cause (absent: left as stored).
   */
  decidedBy?: GuardWindow | null;
  windowMinutes?: number | null;
}

/** One of the guard's two windows: the short one (minutes) or the long one (days). */
export type GuardWindow = 'short' | 'long';

/**
 * The window that decided a state, for titles: `short window 60 minutes`, `long window 7 days`
 * (null when the state has no cause, or was set before the window was recorded).
 */
export function describeGuardWindow(state: Pick<ReputationGuardState, 'decidedBy' | 'windowMinutes'>): string | null {
  const minutes = state.windowMinutes;
  if (!state.decidedBy || !minutes) return null;
  return state.decidedBy === 'short' ? `short window ${minutes} minutes` : `long window ${minutes / 1440} days`;
}

/** One line of the guard's audit log (admin table `reputation_guard_audit`). */
export interface ReputationGuardAuditEntry {
  id: number;
  organizationId: string;
  action: 'warn' | 'pause' | 'lift' | 'clear';
  /** `reputation-guard` for the scheduled evaluation, else the superadmin's address. */
  actor: string;
  reason: string;
  bounceRate: number | null;
  complaintRate: number | null;
  recipients: number;
  /** What happened to the organisation's configuration set at SES, when it has one. */
  configurationSet: string | null;
  at: number;
}

/**
 * An organisation of one run of the guard's cron, with where its database lives (its
 * `organizations` row: `database_kind`, `database_binding`, `moving_since`), so the run opens it
 * without reading that row again.
 */
export interface GuardedOrganization {
  organizationId: string;
  location: { kind: 'd1' | 'durable-object'; binding: string; movingSince: number | null };
  /** Its guard state when the slice was read (null before its first evaluation). */
  state: ReputationGuardState | null;
}

/**
 * One evaluation's write: the state, the audit entry of a change, and the state it was decided
 * from (`previous`, null: none yet). The state is written only while the stored one is still that
 * one (same state and since), so a superadmin's lift made while the cron evaluated is never
 * overwritten; the audit entry only with it.
 */
export interface GuardStateWrite {
  state: ReputationGuardState;
  previous: Pick<ReputationGuardState, 'state' | 'since'> | null;
  entry?: Omit<ReputationGuardAuditEntry, 'id'>;
  /**
   * A call made to the configuration set: its outcome is recorded by its own rule
   * ({@link ConfigurationSetCall}), whether the state is written or not.
   */
  call?: ConfigurationSetCall;
}

/** An organisation as the guard's overview lists it: its state row (null before the first evaluation). */
export interface OrganizationReputation {
  organizationId: string;
  name: string;
  configurationSetName: string | null;
  guard: ReputationGuardState | null;
}

const STATE_COLUMNS = `organization_id AS organizationId, state, since, metric, rate, threshold,
  bounce_rate AS bounceRate, complaint_rate AS complaintRate, recipients, bounced, complained, evaluated_at AS evaluatedAt,
  rearm_after AS rearmAfter, refused_sends AS refusedSends, last_refused_at AS lastRefusedAt,
  configuration_set_sending AS configurationSetSending, decided_by AS decidedBy, window_minutes AS windowMinutes`;

/** {@link STATE_COLUMNS} of the state table joined as `alias`. */
const prefixed = (alias: string) =>
  STATE_COLUMNS.split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');

const AUDIT_COLUMNS = `id, organization_id AS organizationId, action, actor, reason, bounce_rate AS bounceRate,
  complaint_rate AS complaintRate, recipients, configuration_set AS configurationSet, at`;

/**
 * The reputation guard's tables in the admin database: the state per organisation (read by
 * primary key on every send) and the append-only audit log.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1ReputationGuardStore(db: D1Database) {
  const putState = (s: ReputationGuardState, previous?: GuardStateWrite['previous'], call?: ConfigurationSetCall) =>
    db
      .prepare(
        `INSERT INTO reputation_guard_state (organization_id, state, since, metric, rate, threshold, bounce_rate,
           complaint_rate, recipients, bounced, complained, evaluated_at, rearm_after, refused_sends, last_refused_at,
           configuration_set_sending, decided_by, window_minutes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)
         ON CONFLICT (organization_id) DO UPDATE SET state = excluded.state, since = excluded.since,
           metric = excluded.metric, rate = excluded.rate, threshold = excluded.threshold,
           bounce_rate = excluded.bounce_rate, complaint_rate = excluded.complaint_rate,
           recipients = excluded.recipients, bounced = excluded.bounced, complained = excluded.complained,
           evaluated_at = excluded.evaluated_at, rearm_after = excluded.rearm_after,
           -- A call's outcome is recorded by its own statement (callDone).
           configuration_set_sending = CASE WHEN ? THEN reputation_guard_state.configuration_set_sending
             ELSE excluded.configuration_set_sending END,
           decided_by = CASE WHEN ? THEN excluded.decided_by ELSE reputation_guard_state.decided_by END,
           window_minutes = CASE WHEN ? THEN excluded.window_minutes ELSE reputation_guard_state.window_minutes END,
           -- A new pause counts its own refusals.
           refused_sends = CASE WHEN excluded.state = 'paused' AND reputation_guard_state.state <> 'paused'
             THEN 0 ELSE reputation_guard_state.refused_sends END,
           last_refused_at = CASE WHEN excluded.state = 'paused' AND reputation_guard_state.state <> 'paused'
             THEN NULL ELSE reputation_guard_state.last_refused_at END
         WHERE ?20 = 0 OR (?20 = 1 AND reputation_guard_state.state = ?21 AND reputation_guard_state.since = ?22)`,
      )
      .bind(
        s.organizationId,
        s.state,
        s.since,
        s.metric,
        s.rate,
        s.threshold,
        s.bounceRate,
        s.complaintRate,
        s.recipients,
        s.bounced,
        s.complained,
        s.evaluatedAt,
        s.rearmAfter,
        s.configurationSetSending,
        s.decidedBy ?? null,
        s.windowMinutes ?? null,
        call ? 1 : 0,
        s.decidedBy !== undefined ? 1 : 0,
        s.windowMinutes !== undefined ? 1 : 0,
        // 0: written whatever is stored (a superadmin's write); 1: only over `previous`; 2: only
        // as the first row (null: none when read; a row there now was written by an overlapping run).
        previous === undefined ? 0 : previous ? 1 : 2,
        previous?.state ?? null,
        previous?.since ?? null,
      );
  /**
   * An audit entry's INSERT; with `writtenState`, it inserts only when that state write, the
   * statement just before it in the batch, took (`changes()`: it wrote a row, so an overlapping
   * run's identical write adds no second entry) and its state and times are the stored ones.
   * @see https://www.sqlite.org/lang_corefunc.html#changes
   */
  const audit = (e: Omit<ReputationGuardAuditEntry, 'id'>, writtenState?: ReputationGuardState) => {
    const condition = writtenState
      ? ` WHERE changes() = 1 AND EXISTS (SELECT 1 FROM reputation_guard_state
           WHERE organization_id = ? AND state = ? AND since = ? AND evaluated_at = ?)`
      : '';
    return db
      .prepare(
        `INSERT INTO reputation_guard_audit (organization_id, action, actor, reason, bounce_rate, complaint_rate,
           recipients, configuration_set, at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?${condition}`,
      )
      .bind(
        e.organizationId,
        e.action,
        e.actor,
        e.reason,
        e.bounceRate,
        e.complaintRate,
        e.recipients,
        e.configurationSet,
        e.at,
        ...(writtenState
          ? [writtenState.organizationId, writtenState.state, writtenState.since, writtenState.evaluatedAt]
          : []),
      );
  };
  /** Records a configuration set call's outcome by the rule of {@link ConfigurationSetCall}. */
  const callDone = (organizationId: string, call: ConfigurationSetCall) =>
    db
      .prepare(
        `UPDATE reputation_guard_state SET ${callEndedSql(
          'configuration_set_call',
          '?2',
          "(state = 'paused') = (?3 IN ('disabled', 'disable-pending'))",
          {
            configuration_set_sending: [
              '?3',
              "CASE WHEN state = 'paused' THEN 'disable-pending' ELSE 'enable-pending' END",
            ],
          },
        )} WHERE organization_id = ?1`,
      )
      .bind(organizationId, call.number, call.sending);
  const putCursor = (afterOrganizationId: string, at: number) =>
    db
      .prepare(
        `INSERT INTO reputation_guard_cursor (id, after_organization_id, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET after_organization_id = excluded.after_organization_id,
           updated_at = excluded.updated_at`,
      )
      .bind(afterOrganizationId, at);
  return {
    /** The organisation's state by primary key (null before its first evaluation: not paused). */
    async getState(organizationId: string): Promise<ReputationGuardState | null> {
      return db
        .prepare(`SELECT ${STATE_COLUMNS} FROM reputation_guard_state WHERE organization_id = ?`)
        .bind(organizationId)
        .first<ReputationGuardState>();
    },

    /**
     * Writes the state, the audit entry of a change, and the outcome of a configuration set call
     * (see {@link ConfigurationSetCall}), in one batch (all or none).
     */
    async saveState(
      state: ReputationGuardState,
      entry?: Omit<ReputationGuardAuditEntry, 'id'>,
      call?: ConfigurationSetCall,
    ): Promise<void> {
      await db.batch([
        putState(state, undefined, call),
        ...(entry ? [audit(entry)] : []),
        ...(call ? [callDone(state.organizationId, call)] : []),
      ]);
    },

    /**
     * Takes the next number of the organisation's configuration set calls, before a call is made
     * (see {@link ConfigurationSetCall}); 0 before its first evaluation (no state row yet, so no
     * call under way either).
     */
    async takeConfigurationSetCall(organizationId: string): Promise<number> {
      const row = await db
        .prepare(
          `UPDATE reputation_guard_state SET ${takeCallSql('configuration_set_call')}
           WHERE organization_id = ? RETURNING configuration_set_call AS number`,
        )
        .bind(organizationId)
        .first<{ number: number }>();
      return row?.number ?? 0;
    },

    /**
     * The guard's writes of one cron invocation in one batch (one call, all or nothing): each
     * evaluation's state and audit entry (see {@link GuardStateWrite}), then the cursor when
     * given (where the next invocation goes on).
     * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
     */
    async saveEvaluations(writes: GuardStateWrite[], cursor?: { after: string; at: number }): Promise<void> {
      const statements = writes.flatMap(({ state, previous, entry, call }) => [
        putState({ ...state, refusedSends: 0, lastRefusedAt: null }, previous, call),
        ...(entry ? [audit(entry, state)] : []),
        ...(call ? [callDone(state.organizationId, call)] : []),
      ]);
      if (cursor) statements.push(putCursor(cursor.after, cursor.at));
      if (statements.length) await db.batch(statements);
    },

    /** Counts one refused send on the organisation's state row (the only write of a refusal). */
    async countRefusal(organizationId: string, at: number): Promise<void> {
      await db
        .prepare(
          `UPDATE reputation_guard_state SET refused_sends = refused_sends + 1, last_refused_at = ?
           WHERE organization_id = ?`,
        )
        .bind(at, organizationId)
        .run();
    },

    /** Every organisation (not removed) with its state and configuration set (in id order). */
    async listOrganizations(): Promise<OrganizationReputation[]> {
      const { results } = await db
        .prepare(
          `SELECT o.id AS orgId, o.name AS orgName, c.configuration_set_name AS configurationSetName, ${prefixed('s')}
           FROM organizations o LEFT JOIN reputation_guard_state s ON s.organization_id = o.id
             LEFT JOIN organization_configuration_sets c ON c.organization_id = o.id
            WHERE o.removed_at IS NULL ORDER BY o.id`,
        )
        .all<ReputationGuardState & { orgId: string; orgName: string; configurationSetName: string | null }>();
      return results.map(({ orgId, orgName, configurationSetName, ...state }) => ({
        organizationId: orgId,
        name: orgName,
        configurationSetName,
        guard: state.state ? { ...state, organizationId: orgId } : null,
      }));
    },

    /**
     * When a guard run last moved its cursor (admin table `reputation_guard_cursor`, the run's
     * `now`), null before the first: how a caller tells whether the guard's own cron trigger is
     * running. One query.
     */
    async lastRunAt(): Promise<number | null> {
      return db.prepare('SELECT updated_at FROM reputation_guard_cursor WHERE id = 1').first<number>('updated_at');
    },

    /**
     * The next organisations of the guard's cron, in id order: at most `limit` after the one the
     * previous invocation stopped at (admin table `reputation_guard_cursor`; from the first when
     * none: `after` is ''), and whether they reach the last one. One query for the cursor and the slice.
     */
    async nextOrganizations(
      limit: number,
    ): Promise<{ after: string; organizations: GuardedOrganization[]; last: boolean }> {
      const { results } = await db
        .prepare(
          `WITH cursor (after) AS (
             SELECT coalesce((SELECT after_organization_id FROM reputation_guard_cursor WHERE id = 1), ''))
           SELECT cursor.after, o.id AS orgId, o.database_kind AS kind, o.database_binding AS binding,
                  o.moving_since AS movingSince, ${prefixed('s')}
           FROM cursor LEFT JOIN organizations o ON o.id > cursor.after AND o.removed_at IS NULL
             LEFT JOIN reputation_guard_state s ON s.organization_id = o.id
           ORDER BY o.id LIMIT ?`,
        )
        .bind(limit + 1)
        .all<{ after: string; orgId: string | null } & GuardedOrganization['location'] & ReputationGuardState>();
      const after = results[0]?.after ?? '';
      const rows = results.filter((row): row is typeof row & { orgId: string } => row.orgId !== null);
      return {
        after,
        organizations: rows.slice(0, limit).map(({ after: _after, orgId, kind, binding, movingSince, ...state }) => ({
          organizationId: orgId,
          location: { kind, binding, movingSince },
          state: state.state ? { ...state, organizationId: orgId } : null,
        })),
        last: rows.length <= limit,
      };
    },

    /**
     * Sets (or with null, removes) the organisation's own configuration set: one only it sends
     * through, which a pause disables at SES. The admin database holds one organisation per name
     * (unique index, case-insensitive), whoever writes the row.
     * @throws {InvalidOptionsError} for a name SES would refuse, or for the configuration set
     *   every organisation shares by default (`kuratchi-email-tracking`): disabling it would stop
     *   every organisation's sending.
     * @throws {ConfigurationSetTakenError} when another organisation already has it (nothing written).
     * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
     */
    async setConfigurationSet(organizationId: string, name: string | null): Promise<void> {
      if (name !== null) parseOptions('setConfigurationSet', z.object({ name: configurationSetNameSchema }), { name });
      if (name === DEFAULT_CONFIGURATION_SET_NAME)
        throw new InvalidOptionsError('setConfigurationSet', [
          {
            path: 'name',
            message: `${name} is the configuration set every organisation shares: a pause would disable it for all of them`,
          },
        ]);
      if (!name) {
        await db
          .prepare('DELETE FROM organization_configuration_sets WHERE organization_id = ?')
          .bind(organizationId)
          .run();
        return;
      }
      try {
        await db
          .prepare(
            `INSERT INTO organization_configuration_sets (organization_id, configuration_set_name) VALUES (?, ?)
             ON CONFLICT (organization_id) DO UPDATE SET configuration_set_name = excluded.configuration_set_name`,
          )
          .bind(organizationId, name)
          .run();
      } catch (error) {
        // The primary key conflict is an update: a UNIQUE failure can only be the name's index.
        if (!/UNIQUE constraint failed/i.test(String(error))) throw error;
        const holder = await db
          .prepare(
            'SELECT organization_id AS id FROM organization_configuration_sets WHERE configuration_set_name = ? COLLATE NOCASE',
          )
          .bind(name)
          .first<{ id: string }>();
        throw new ConfigurationSetTakenError(name, holder?.id ?? null);
      }
    },

    /** The configuration set of an organisation (null: none of its own). */
    async configurationSetOf(organizationId: string): Promise<string | null> {
      const row = await db
        .prepare('SELECT configuration_set_name AS name FROM organization_configuration_sets WHERE organization_id = ?')
        .bind(organizationId)
        .first<{ name: string | null }>();
      return row?.name ?? null;
    },

    /**
     * Per organisation whose latest audit entry is a pause or a warn (only the guard writes those), that entry's
     * reason (which rate crossed which threshold, over which window): why it is in that state.
     */
    async stateReasons(): Promise<Record<string, string>> {
      const { results } = await db
        .prepare(
          `SELECT organization_id AS organizationId, reason FROM (
             SELECT organization_id, reason, action,
                    row_number() OVER (PARTITION BY organization_id ORDER BY at DESC, id DESC) AS n
             FROM reputation_guard_audit)
           WHERE n = 1 AND action IN ('pause', 'warn')`,
        )
        .all<{ organizationId: string; reason: string }>();
      return Object.fromEntries(results.map((r) => [r.organizationId, r.reason]));
    },

    /** The latest audit entries (newest first), of one organisation or of all. */
    async listAudit(options: { organizationId?: string; limit?: number } = {}): Promise<ReputationGuardAuditEntry[]> {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
      const where = options.organizationId ? 'WHERE organization_id = ?' : '';
      const statement = db.prepare(
        `SELECT ${AUDIT_COLUMNS} FROM reputation_guard_audit ${where} ORDER BY at DESC, id DESC LIMIT ?`,
      );
      const { results } = await (
        options.organizationId ? statement.bind(options.organizationId, limit) : statement.bind(limit)
      ).all<ReputationGuardAuditEntry>();
      return results;
    },
  };
}

/** The type of {@link createD1ReputationGuardStore}'s result. */
export type ReputationGuardStore = ReturnType<typeof createD1ReputationGuardStore>;
