import type { D1Database } from '@cloudflare/workers-types';
import {
  DATABASE_SIZE_LIMIT_BYTES,
  openOrgDatabase,
  orgDatabaseSize,
  type OrgDatabaseKind,
} from 'kuratchi-sdk/internal/d1';

/** An organisation's size is measured again once its last measurement is this old. */
export const STORAGE_MEASURE_EVERY_MS = 6 * 3_600_000;
/**
 * Its rows and oldest event are counted again, with its size, once they are this old: a count
 * reads every row of the table (D1 bills rows read: about 60M at 10M emails), the size none.
 * @see https://developers.cloudflare.com/d1/platform/pricing/
 */
export const STORAGE_ROWS_EVERY_MS = 24 * 3_600_000;
/**
 * Most organisations measured per cron run: each is one batch of counts on its database and one
 * size read (2 calls), so 50 are 100 of the 1,000 subrequests of an invocation; at a run every 10
 * minutes, 7,200 organisations a day, each every 6 hours up to 1,800 organisations.
 * @see https://developers.cloudflare.com/workers/platform/limits/#subrequests
 */
export const STORAGE_MEASURED_PER_RUN = 50;
/**
 * The share of its 10 GB at which an organisation's database raises the `storage` alert
 * (warning), before it reaches {@link STORAGE_CRITICAL_FRACTION} (critical).
 */
export const STORAGE_WARN_FRACTION = 0.7;
/** The share of its 10 GB at which the `storage` alert turns critical. */
export const STORAGE_CRITICAL_FRACTION = 0.8;

/**
 * An organisation's database as last measured (a row of `organization_storage`); the
 * measurement's fields are null until one succeeded.
 */
export interface OrganizationStorage {
  organizationId: string;
  databaseKind: OrgDatabaseKind;
  databaseBytes: number | null;
  emails: number | null;
  emailEvents: number | null;
  emailRecipients: number | null;
  /** `occurred_at` of the oldest event kept; null: none (or not measured). */
  oldestEventAt: number | null;
  measuredAt: number | null;
  /** When the rows and the oldest event were counted ({@link STORAGE_ROWS_EVERY_MS}). */
  rowsMeasuredAt: number | null;
  /** `databaseBytes` over the 10 GB limit (0–1); 0 when not measured. */
  fractionOfLimit: number;
  /** The last attempt, and its error when it failed (the measurement shown is older). */
  attemptedAt: number;
  error: string | null;
}

/** What one `storage-measure` run did. */
export interface StorageMeasureReport {
  measured: number;
  /** Organisations whose database could not be read this run (tried again next run). */
  failed: Array<{ organizationId: string; error: string }>;
}

/**
 * Measures the organisations whose measurement is oldest (never measured first), up to
 * {@link STORAGE_MEASURED_PER_RUN}, skipping those measured within {@link STORAGE_MEASURE_EVERY_MS}
 * and those being moved: each database's size (`orgDatabaseSize`: D1's `size_after`, a Durable
 * Object's `databaseSize`) and, once a day ({@link STORAGE_ROWS_EVERY_MS}), the rows of its big
 * tables and its oldest event, written to
 * `organization_storage` for the Organisations page and the `storage` alert (counting millions
 * of rows on every page view would be too slow). One organisation failing leaves the others.
 * @see https://developers.cloudflare.com/d1/worker-api/return-object/
 * @see https://developers.cloudflare.com/durable-objects/api/sql-storage/#databasesize
 */
export async function measureOrganizationStorage(
  env: DashboardEnv,
  now: number,
  limit = STORAGE_MEASURED_PER_RUN,
): Promise<StorageMeasureReport> {
  const adminDb = env.ADMIN_DB;
  const { results: due } = await adminDb
    .prepare(
      `SELECT o.id, o.database_kind AS kind, o.database_binding AS binding, s.rows_measured_at AS rowsMeasuredAt
       FROM organizations o
       LEFT JOIN organization_storage s ON s.organization_id = o.id
       WHERE o.moving_since IS NULL AND o.removed_at IS NULL AND (s.attempted_at IS NULL OR s.attempted_at <= ?1)
       ORDER BY coalesce(s.attempted_at, 0), o.id LIMIT ?2`,
    )
    .bind(now - STORAGE_MEASURE_EVERY_MS, limit)
    .all<{ id: string; kind: OrgDatabaseKind; binding: string; rowsMeasuredAt: number | null }>();
  const report: StorageMeasureReport = { measured: 0, failed: [] };
  for (const org of due) {
    try {
      const db = openOrgDatabase(env as never, org.id, { kind: org.kind, binding: org.binding, movingSince: null });
      const rowsDue = org.rowsMeasuredAt === null || org.rowsMeasuredAt <= now - STORAGE_ROWS_EVERY_MS;
      const [counts, bytes] = await Promise.all([rowsDue ? countRows(db) : null, orgDatabaseSize(db)]);
      await adminDb
        .prepare(
          `INSERT INTO organization_storage (organization_id, database_kind, database_bytes, emails, email_events,
             email_recipients, oldest_event_at, rows_measured_at, measured_at, attempted_at, error)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?9 THEN ?8 END, ?8, ?8, NULL)
           ON CONFLICT (organization_id) DO UPDATE SET database_kind = excluded.database_kind,
             database_bytes = excluded.database_bytes, measured_at = excluded.measured_at,
             attempted_at = excluded.attempted_at, error = NULL,
             emails = CASE WHEN ?9 THEN excluded.emails ELSE emails END,
             email_events = CASE WHEN ?9 THEN excluded.email_events ELSE email_events END,
             email_recipients = CASE WHEN ?9 THEN excluded.email_recipients ELSE email_recipients END,
             oldest_event_at = CASE WHEN ?9 THEN excluded.oldest_event_at ELSE oldest_event_at END,
             rows_measured_at = CASE WHEN ?9 THEN excluded.rows_measured_at ELSE rows_measured_at END`,
        )
        .bind(
          org.id,
          org.kind,
          bytes,
          counts?.emails ?? null,
          counts?.events ?? null,
          counts?.recipients ?? null,
          counts?.oldest ?? null,
          now,
          counts ? 1 : 0,
        )
        .run();
      report.measured++;
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      report.failed.push({ organizationId: org.id, error: text });
      // Kept with its last measurement; tried again after the others, once due again.
      await adminDb
        .prepare(
          `INSERT INTO organization_storage (organization_id, database_kind, attempted_at, error) VALUES (?, ?, ?, ?)
           ON CONFLICT (organization_id) DO UPDATE SET attempted_at = excluded.attempted_at, error = excluded.error`,
        )
        .bind(org.id, org.kind, now, text)
        .run();
    }
  }
  return report;
}

/** The rows of an organisation's big tables and its oldest event, in one batch (one call). */
async function countRows(db: D1Database) {
  const [emails, events, recipients, oldest] = await db.batch([
    db.prepare('SELECT count(*) AS n FROM emails'),
    db.prepare('SELECT count(*) AS n FROM email_events'),
    db.prepare('SELECT count(*) AS n FROM email_recipients'),
    db.prepare('SELECT min(occurred_at) AS n FROM email_events'),
  ]);
  const n = (result: typeof emails) => (result!.results[0] as { n: number | null }).n;
  return { emails: n(emails) ?? 0, events: n(events) ?? 0, recipients: n(recipients) ?? 0, oldest: n(oldest) };
}

/** Every organisation's last measurement, by organisation id. */
export async function readOrganizationStorage(adminDb: D1Database): Promise<Record<string, OrganizationStorage>> {
  const { results } = await adminDb
    .prepare(
      `SELECT organization_id AS organizationId, database_kind AS databaseKind, database_bytes AS databaseBytes,
         emails, email_events AS emailEvents, email_recipients AS emailRecipients, oldest_event_at AS oldestEventAt,
         measured_at AS measuredAt, rows_measured_at AS rowsMeasuredAt, attempted_at AS attemptedAt, error
       FROM organization_storage`,
    )
    .all<Omit<OrganizationStorage, 'fractionOfLimit'>>();
  return Object.fromEntries(
    results.map((r) => [
      r.organizationId,
      { ...r, fractionOfLimit: (r.databaseBytes ?? 0) / DATABASE_SIZE_LIMIT_BYTES },
    ]),
  );
}
