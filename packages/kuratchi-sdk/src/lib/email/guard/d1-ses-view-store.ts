import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';
import type { SesFinding, SesReputationView } from './ses-view.js';

/** A stored view: SES's last answer (fields null until the first read) and any re-read still owed. */
export interface StoredSesReputationView extends Omit<SesReputationView, 'readAt'> {
  /** When SES was last read; null until the first successful read. */
  readAt: number | null;
  /** A re-read owed since this time (a status event came, the re-read failed); the cron retries it. */
  rereadDueAt: number | null;
  rereadError: string | null;
}

/** The last daily sweep of ListReputationEntities. */
export interface SesReputationSweep {
  /** When it last completed (epoch ms; 0: never). */
  sweptAt: number;
  entities: number;
  /** Since when a sweep is owed before the day is up (a failure, an event naming no known tenant); null: none. */
  dueSince: number | null;
  /** The last failure's error since the last completed sweep, null when none. */
  error: string | null;
}

interface Row {
  organization_id: string;
  entity_arn: string;
  policy: string | null;
  sending_status: string | null;
  aws_ses_status: string | null;
  aws_ses_cause: string | null;
  aws_ses_updated_at: number | null;
  customer_status: string | null;
  customer_cause: string | null;
  customer_updated_at: number | null;
  impact: string | null;
  findings: string;
  read_at: number | null;
  reread_due_at: number | null;
  reread_error: string | null;
}

const fromRow = (r: Row): StoredSesReputationView => ({
  organizationId: r.organization_id,
  entityArn: r.entity_arn,
  policy: r.policy,
  sendingStatus: r.sending_status,
  awsSesManaged: { status: r.aws_ses_status, cause: r.aws_ses_cause, updatedAt: r.aws_ses_updated_at },
  customerManaged: { status: r.customer_status, cause: r.customer_cause, updatedAt: r.customer_updated_at },
  impact: r.impact,
  findings: JSON.parse(r.findings) as SesFinding[],
  readAt: r.read_at,
  rereadDueAt: r.reread_due_at,
  rereadError: r.reread_error,
});

/**
 * SES's view of each organisation's tenant in the admin database (tables `ses_reputation_views`,
 * `ses_reputation_sweeps`, admin migration 0019). Rows exist only for organisations the admin
 * database knows (the write is a no-op for any other name).
 */
export function createD1SesViewStore(db: D1Database) {
  const save = (view: SesReputationView): D1PreparedStatement =>
    db
      .prepare(
        `INSERT INTO ses_reputation_views (organization_id, entity_arn, policy, sending_status,
           aws_ses_status, aws_ses_cause, aws_ses_updated_at, customer_status, customer_cause,
           customer_updated_at, impact, findings, read_at, reread_due_at, reread_error)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, NULL
         WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?1 AND removed_at IS NULL)
         ON CONFLICT (organization_id) DO UPDATE SET entity_arn = excluded.entity_arn, policy = excluded.policy,
           sending_status = excluded.sending_status, aws_ses_status = excluded.aws_ses_status,
           aws_ses_cause = excluded.aws_ses_cause, aws_ses_updated_at = excluded.aws_ses_updated_at,
           customer_status = excluded.customer_status, customer_cause = excluded.customer_cause,
           customer_updated_at = excluded.customer_updated_at, impact = excluded.impact,
           findings = excluded.findings, read_at = excluded.read_at, reread_due_at = NULL, reread_error = NULL`,
      )
      .bind(
        view.organizationId,
        view.entityArn,
        view.policy,
        view.sendingStatus,
        view.awsSesManaged.status,
        view.awsSesManaged.cause,
        view.awsSesManaged.updatedAt,
        view.customerManaged.status,
        view.customerManaged.cause,
        view.customerManaged.updatedAt,
        view.impact,
        JSON.stringify(view.findings),
        view.readAt,
      );
  const remove = (organizationId: string) =>
    db.prepare('DELETE FROM ses_reputation_views WHERE organization_id = ?').bind(organizationId);

  return {
    /** Every stored view, by organisation id. */
    async list(): Promise<StoredSesReputationView[]> {
      const { results } = await db.prepare('SELECT * FROM ses_reputation_views ORDER BY organization_id').all<Row>();
      return results.map(fromRow);
    },

    /** One organisation's view, null when none is stored (no tenant known). */
    async get(organizationId: string): Promise<StoredSesReputationView | null> {
      const row = await db
        .prepare('SELECT * FROM ses_reputation_views WHERE organization_id = ?')
        .bind(organizationId)
        .first<Row>();
      return row ? fromRow(row) : null;
    },

    /** Views whose re-read is owed, oldest first. */
    async listRereadsDue(): Promise<StoredSesReputationView[]> {
      const { results } = await db
        .prepare('SELECT * FROM ses_reputation_views WHERE reread_due_at IS NOT NULL ORDER BY reread_due_at')
        .all<Row>();
      return results.map(fromRow);
    },

    /** Stores what SES said (clearing any owed re-read). */
    async save(view: SesReputationView): Promise<void> {
      await save(view).run();
    },

    /** Forgets an organisation's view: SES has no tenant for it (NotFound). */
    async remove(organizationId: string): Promise<void> {
      await remove(organizationId).run();
    },

    /**
     * Records a re-read owed for a tenant (keeping what SES last said, and the first time it was
     * owed), so the cron retries it.
     */
    async owe(organizationId: string, entityArn: string, now: number, error: string): Promise<void> {
      await db
        .prepare(
          `INSERT INTO ses_reputation_views (organization_id, entity_arn, reread_due_at, reread_error)
           SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?1 AND removed_at IS NULL)
           ON CONFLICT (organization_id) DO UPDATE SET entity_arn = excluded.entity_arn,
             reread_due_at = coalesce(reread_due_at, excluded.reread_due_at), reread_error = excluded.reread_error`,
        )
        .bind(organizationId, entityArn, now, error)
        .run();
    },

    /**
     * Replaces every view with a complete sweep's result in one batch: the tenants SES listed are
     * saved, the views of organisations it did not list are removed (no tenant), and the sweep's
     * time is recorded.
     */
    async replaceAll(views: SesReputationView[], now: number): Promise<void> {
      const keep = new Set(views.map((v) => v.organizationId));
      const stored = await this.list();
      await db.batch([
        ...views.map(save),
        ...stored.filter((v) => !keep.has(v.organizationId)).map((v) => remove(v.organizationId)),
        db
          .prepare(
            `INSERT INTO ses_reputation_sweeps (id, swept_at, entities, due_since, error) VALUES (1, ?1, ?2, NULL, NULL)
             ON CONFLICT (id) DO UPDATE SET swept_at = ?1, entities = ?2, due_since = NULL, error = NULL`,
          )
          .bind(now, views.length),
      ]);
    },

    /**
     * Records that a sweep is owed at the cron's next run (keeping the first time it was owed), and
     * a failure's error; the last completed sweep's time stays (0: none yet).
     */
    async oweSweep(now: number, error: string | null = null): Promise<void> {
      await db
        .prepare(
          `INSERT INTO ses_reputation_sweeps (id, swept_at, entities, due_since, error) VALUES (1, 0, 0, ?1, ?2)
           ON CONFLICT (id) DO UPDATE SET due_since = coalesce(due_since, ?1), error = coalesce(?2, error)`,
        )
        .bind(now, error)
        .run();
    },

    /** The last sweep, null before the first. */
    async lastSweep(): Promise<SesReputationSweep | null> {
      return db
        .prepare(
          'SELECT swept_at AS sweptAt, entities, due_since AS dueSince, error FROM ses_reputation_sweeps WHERE id = 1',
        )
        .first<SesReputationSweep>();
    },
  };
}

/** The store {@link createD1SesViewStore} returns. */
export type SesViewStore = ReturnType<typeof createD1SesViewStore>;
