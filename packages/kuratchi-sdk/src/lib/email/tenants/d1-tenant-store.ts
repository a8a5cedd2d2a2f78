import type { D1Database } from '@cloudflare/workers-types';
import { callEndedSql, takeCallSql } from '../shared/latest-call-sql.js';
import { retryAt } from './backoff.js';

/** Where an organisation's tenant stands (admin migration 0018). */
export type TenantState = 'create-pending' | 'created' | 'delete-pending';

/**
 * SES's sending status of a tenant, and the customer-managed status the guard sets.
 * @see https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Tenant.html
 */
export type TenantSendingStatus = 'ENABLED' | 'REINSTATED' | 'DISABLED';

/** What a tenant resource is: a configuration set or a sending identity (a domain or an address). */
export type TenantResourceKind = 'configuration-set' | 'identity';

/** A row of `ses_tenants`. */
export interface TenantRecord {
  organizationId: string;
  tenantName: string;
  tenantArn: string | null;
  state: TenantState;
  /** SES's sending status as last read (null: never read). */
  sendingStatus: TenantSendingStatus | null;
  /** The guard's customer-managed status still to set at SES (null: none). */
  customerStatusPending: 'DISABLED' | 'REINSTATED' | null;
  attempts: number;
  /** When the cron next works on the row (null: nothing to do). */
  nextAttemptAt: number | null;
  lastError: string | null;
  updatedAt: number;
}

/** A row of `ses_tenant_resources`. */
export interface TenantResourceRecord {
  organizationId: string;
  kind: TenantResourceKind;
  name: string;
  state: 'pending' | 'associated';
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  updatedAt: number;
}

/** The configuration sets and sending identities to associate with a tenant. */
export interface TenantResources {
  configurationSets: readonly string[];
  /** Verified SES identities: domains (`example.com`) or addresses. */
  identities: readonly string[];
}

const TENANT_COLUMNS = `organization_id AS organizationId, tenant_name AS tenantName, tenant_arn AS tenantArn, state,
  sending_status AS sendingStatus, customer_status_pending AS customerStatusPending, attempts,
  next_attempt_at AS nextAttemptAt, last_error AS lastError, updated_at AS updatedAt`;
const RESOURCE_COLUMNS = `organization_id AS organizationId, kind, name, state, attempts,
  next_attempt_at AS nextAttemptAt, last_error AS lastError, updated_at AS updatedAt`;

/**
 * The admin tables of SES tenants (`ses_tenants`, `ses_tenant_resources`): what exists at SES and
 * every call still to make, each with its attempts, error and next attempt.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1TenantStore(db: D1Database) {
  return {
    /** The organisation's tenant row (null: it has none). */
    async get(organizationId: string): Promise<TenantRecord | null> {
      return db
        .prepare(`SELECT ${TENANT_COLUMNS} FROM ses_tenants WHERE organization_id = ?`)
        .bind(organizationId)
        .first<TenantRecord>();
    },

    /**
     * What `sendEmail` reads of an organisation's tenant, in one query: its row and the resources
     * associated with it (`configuration-set:<name>`, `identity:<lower-cased name>`); null: none.
     */
    async forSending(organizationId: string): Promise<(TenantRecord & { associated: string[] }) | null> {
      const row = await db
        .prepare(
          `SELECT ${TENANT_COLUMNS}, (SELECT json_group_array(r.kind || ':' || CASE WHEN r.kind = 'identity'
              THEN lower(r.name) ELSE r.name END) FROM ses_tenant_resources r
              WHERE r.organization_id = ses_tenants.organization_id AND r.state = 'associated') AS associated
             FROM ses_tenants WHERE organization_id = ?`,
        )
        .bind(organizationId)
        .first<TenantRecord & { associated: string }>();
      return row ? { ...row, associated: JSON.parse(row.associated) as string[] } : null;
    },

    /** The organisation's tenant resources, by kind and name. */
    async resources(organizationId: string): Promise<TenantResourceRecord[]> {
      const { results } = await db
        .prepare(`SELECT ${RESOURCE_COLUMNS} FROM ses_tenant_resources WHERE organization_id = ? ORDER BY kind, name`)
        .bind(organizationId)
        .all<TenantResourceRecord>();
      return results;
    },

    /**
     * Records an organisation's tenant as `create-pending`, due now, unless it has one: the
     * intent is kept before SES is called.
     */
    async plan(organizationId: string, tenantName: string, now: number): Promise<void> {
      await db
        .prepare(
          `INSERT INTO ses_tenants (organization_id, tenant_name, state, next_attempt_at, updated_at)
           VALUES (?, ?, 'create-pending', ?, ?) ON CONFLICT (organization_id) DO NOTHING`,
        )
        .bind(organizationId, tenantName, now, now)
        .run();
    },

    /**
     * Records, for every tenant not being deleted, each resource it must have and does not yet:
     * the shared configuration sets and identities, and the organisation's own configuration set
     * (`organization_configuration_sets`), `pending` and due now. A few statements whatever the
     * number of tenants, so each run of the cron can call it (a setting changed, an organisation
     * given its own configuration set).
     */
    async ensureResources(shared: TenantResources, now: number): Promise<void> {
      const forEveryTenant = (kind: TenantResourceKind, name: string) =>
        db
          .prepare(
            `INSERT INTO ses_tenant_resources (organization_id, kind, name, state, next_attempt_at, updated_at)
             SELECT organization_id, ?, ?, 'pending', ?, ? FROM ses_tenants WHERE state <> 'delete-pending'
             ON CONFLICT DO NOTHING`,
          )
          .bind(kind, name, now, now);
      await db.batch([
        ...shared.configurationSets.map((name) => forEveryTenant('configuration-set', name)),
        ...shared.identities.map((name) => forEveryTenant('identity', name)),
        db
          .prepare(
            `INSERT INTO ses_tenant_resources (organization_id, kind, name, state, next_attempt_at, updated_at)
             SELECT c.organization_id, 'configuration-set', c.configuration_set_name, 'pending', ?, ?
               FROM organization_configuration_sets c JOIN ses_tenants t ON t.organization_id = c.organization_id
              WHERE t.state <> 'delete-pending'
             ON CONFLICT DO NOTHING`,
          )
          .bind(now, now),
      ]);
    },

    /**
     * Tenants of organisations that are gone or removed become `delete-pending` (due now);
     * returns how many. Any removal of an organisation thus deletes its tenant.
     */
    async markOrphansForDeletion(now: number): Promise<number> {
      const result = await db
        .prepare(
          `UPDATE ses_tenants SET state = 'delete-pending', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ?
            WHERE state <> 'delete-pending' AND organization_id NOT IN (SELECT id FROM organizations WHERE removed_at IS NULL)`,
        )
        .bind(now, now)
        .run();
      return result.meta.changes;
    },

    /** Marks one organisation's tenant for deletion (due now); false when it has none. */
    async markForDeletion(organizationId: string, now: number): Promise<boolean> {
      const result = await db
        .prepare(
          `UPDATE ses_tenants SET state = 'delete-pending', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ?
            WHERE organization_id = ?`,
        )
        .bind(now, now, organizationId)
        .run();
      return result.meta.changes === 1;
    },

    /** Organisations (not removed) without a tenant row (in id order, at most `limit`). */
    async organizationsWithoutTenant(limit: number): Promise<string[]> {
      const { results } = await db
        .prepare(
          `SELECT id FROM organizations WHERE removed_at IS NULL AND id NOT IN (SELECT organization_id FROM ses_tenants)
            ORDER BY id LIMIT ?`,
        )
        .bind(limit)
        .all<{ id: string }>();
      return results.map((r) => r.id);
    },

    /** Tenants with work due at `now`, oldest due first. */
    async dueTenants(now: number, limit: number): Promise<TenantRecord[]> {
      const { results } = await db
        .prepare(
          `SELECT ${TENANT_COLUMNS} FROM ses_tenants WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
            ORDER BY next_attempt_at LIMIT ?`,
        )
        .bind(now, limit)
        .all<TenantRecord>();
      return results;
    },

    /** Pending associations due at `now` whose tenant exists at SES, oldest due first. */
    async dueResources(now: number, limit: number): Promise<TenantResourceRecord[]> {
      const { results } = await db
        .prepare(
          `SELECT ${RESOURCE_COLUMNS.split(',')
            .map((c) => `r.${c.trim()}`)
            .join(', ')}
             FROM ses_tenant_resources r JOIN ses_tenants t ON t.organization_id = r.organization_id
            WHERE r.state = 'pending' AND r.next_attempt_at <= ? AND t.state = 'created'
            ORDER BY r.next_attempt_at LIMIT ?`,
        )
        .bind(now, limit)
        .all<TenantResourceRecord>();
      return results;
    },

    /** Records a successful tenant call: its new fields, attempts reset, next work at `nextAttemptAt`. */
    async tenantDone(
      organizationId: string,
      change: Partial<Pick<TenantRecord, 'tenantArn' | 'state' | 'sendingStatus'>>,
      nextAttemptAt: number | null,
      now: number,
    ): Promise<void> {
      await db
        .prepare(
          `UPDATE ses_tenants SET tenant_arn = coalesce(?, tenant_arn), state = coalesce(?, state),
             sending_status = coalesce(?, sending_status),
             attempts = 0, last_error = NULL, next_attempt_at = ?, updated_at = ?
           WHERE organization_id = ?`,
        )
        .bind(
          change.tenantArn ?? null,
          change.state ?? null,
          change.sendingStatus ?? null,
          nextAttemptAt,
          now,
          organizationId,
        )
        .run();
    },

    /**
     * Takes the next number of the tenant's customer-managed status calls, before a call is made
     * (the rule of `shared/latest-call-sql.ts`, admin migration 0036).
     */
    async takeCustomerStatusCall(organizationId: string): Promise<number> {
      const row = await db
        .prepare(
          `UPDATE ses_tenants SET ${takeCallSql('customer_status_call')} WHERE organization_id = ?
           RETURNING customer_status_call AS number`,
        )
        .bind(organizationId)
        .first<{ number: number }>();
      return row?.number ?? 0;
    },

    /**
     * Records that SES took the customer-managed status `call.set` of the call numbered
     * `call.number` (and reported `sendingStatus`): nothing is pending while that call is still the
     * latest and its status the wish; otherwise another call or wish came while it was under way and
     * either may have reached SES last, so the latest wish is pending again, due now
     * (`shared/latest-call-sql.ts`). `nextAttemptAt`: the next work
     * when nothing is pending.
     */
    async customerStatusDone(
      organizationId: string,
      call: { number: number; set: 'DISABLED' | 'REINSTATED' },
      sendingStatus: TenantSendingStatus | null,
      nextAttemptAt: number | null,
      now: number,
    ): Promise<void> {
      await db
        .prepare(
          `UPDATE ses_tenants SET sending_status = coalesce(?2, sending_status), ${callEndedSql(
            'customer_status_call',
            '?1',
            'customer_status IS ?6',
            {
              customer_status_pending: ['NULL', 'customer_status'],
              next_attempt_at: ['?3', '?4'],
            },
          )}, attempts = 0, last_error = NULL, updated_at = ?4
           WHERE organization_id = ?5`,
        )
        .bind(call.number, sendingStatus, nextAttemptAt, now, organizationId, call.set)
        .run();
    },

    /**
     * Records a failed tenant call: one more attempt, its error, the next attempt after the backoff.
     * A failed customer-managed status call (`call`) may still have reached SES (a timeout): when
     * another call or wish came while it was under way, the latest wish is pending again, due now,
     * as {@link customerStatusDone} does (`shared/latest-call-sql.ts`); otherwise its own wish stays
     * pending for the retry.
     */
    async tenantFailed(
      organizationId: string,
      error: string,
      now: number,
      call?: { number: number; set: 'DISABLED' | 'REINSTATED' },
    ): Promise<void> {
      const row = await this.get(organizationId);
      if (!row) return;
      const retry = retryAt(now, row.attempts + 1);
      const next = call
        ? callEndedSql('customer_status_call', '?5', 'customer_status IS ?6', {
            customer_status_pending: ['customer_status_pending', 'customer_status'],
            next_attempt_at: ['?2', '?3'],
          })
        : 'next_attempt_at = ?2';
      await db
        .prepare(
          `UPDATE ses_tenants SET attempts = attempts + 1, last_error = ?1, ${next}, updated_at = ?3
            WHERE organization_id = ?4`,
        )
        .bind(error, retry, now, organizationId, ...(call ? [call.number, call.set] : []))
        .run();
    },

    /** Deletes the tenant's rows once SES deleted it (its associations went with it). */
    async forget(organizationId: string): Promise<void> {
      await db.batch([
        db.prepare('DELETE FROM ses_tenant_resources WHERE organization_id = ?').bind(organizationId),
        db.prepare('DELETE FROM ses_tenants WHERE organization_id = ?').bind(organizationId),
      ]);
    },

    /** Records that a resource is associated with its tenant. */
    async resourceAssociated(r: Pick<TenantResourceRecord, 'organizationId' | 'kind' | 'name'>, now: number) {
      await db
        .prepare(
          `UPDATE ses_tenant_resources SET state = 'associated', attempts = 0, last_error = NULL, next_attempt_at = NULL,
             updated_at = ? WHERE organization_id = ? AND kind = ? AND name = ?`,
        )
        .bind(now, r.organizationId, r.kind, r.name)
        .run();
    },

    /** Records a failed association: one more attempt, its error, the next attempt after the backoff. */
    async resourceFailed(r: TenantResourceRecord, error: string, now: number): Promise<void> {
      await db
        .prepare(
          `UPDATE ses_tenant_resources SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
            WHERE organization_id = ? AND kind = ? AND name = ?`,
        )
        .bind(error, retryAt(now, r.attempts + 1), now, r.organizationId, r.kind, r.name)
        .run();
    },

    /**
     * Records the guard's customer-managed status to set at SES (due now), and that it is the
     * latest wish (it takes a call number: a call under way is no longer the latest); false when
     * the organisation has no tenant (or only one being deleted).
     */
    async requestCustomerStatus(organizationId: string, status: 'DISABLED' | 'REINSTATED', now: number) {
      const result = await db
        .prepare(
          `UPDATE ses_tenants SET customer_status = ?1, customer_status_pending = ?1, ${takeCallSql('customer_status_call')},
             attempts = 0, last_error = NULL, next_attempt_at = ?2, updated_at = ?2
           WHERE organization_id = ?3 AND state <> 'delete-pending'`,
        )
        .bind(status, now, organizationId)
        .run();
      return result.meta.changes === 1;
    },

    /**
     * Records SES's sending status of a tenant as read elsewhere (a refused send, a sweep); a
     * DISABLED tenant is re-read by the cron (due now), so a status SES lifted is noticed.
     */
    async recordSendingStatus(organizationId: string, status: TenantSendingStatus, now: number): Promise<void> {
      await db
        .prepare(
          `UPDATE ses_tenants SET sending_status = ?, updated_at = ?,
             next_attempt_at = CASE WHEN ? = 'DISABLED' THEN coalesce(next_attempt_at, ?) ELSE next_attempt_at END
           WHERE organization_id = ?`,
        )
        .bind(status, now, status, now, organizationId)
        .run();
    },
  };
}

/** The type of {@link createD1TenantStore}'s result. */
export type TenantStore = ReturnType<typeof createD1TenantStore>;
