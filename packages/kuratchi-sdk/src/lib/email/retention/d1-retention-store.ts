import type { D1Database } from '@cloudflare/workers-types';
import { parseRetentionOverride, type RetentionOverride } from './policy.js';

/** An organisation's retention override as stored, with who set it and when. */
export interface StoredRetentionOverride extends RetentionOverride {
  organizationId: string;
  updatedAt: number;
  updatedBy: string;
}

/** An organisation the purge visits, with its override (null: the deployment's defaults). */
export interface PurgeCandidate {
  organizationId: string;
  override: RetentionOverride | null;
}

/** What one visit of the purge did to one organisation. */
export interface PurgeProgress {
  organizationId: string;
  at: number;
  caughtUp: boolean;
  emailsDeleted: number;
  eventsDeleted: number;
}

interface OverrideRow {
  organizationId: string;
  eventsDays: number | null;
  emailsDays: number | null;
  archiveDays: number | null;
  updatedAt: number;
  updatedBy: string;
}

/**
 * The admin database's side of retention (admin migration 0024): each organisation's override
 * (`organization_retention`) and the purge's progress (`retention_purge_progress`).
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1RetentionStore(adminDb: D1Database) {
  return {
    /** Every override (organisations without one keep the deployment's defaults). */
    async listOverrides(): Promise<StoredRetentionOverride[]> {
      const { results } = await adminDb
        .prepare(
          `SELECT organization_id AS organizationId, events_days AS eventsDays, emails_days AS emailsDays,
                  archive_days AS archiveDays, updated_at AS updatedAt, updated_by AS updatedBy
           FROM organization_retention ORDER BY organization_id`,
        )
        .all<OverrideRow>();
      return results;
    },

    /** One organisation's override, or null. */
    async readOverride(organizationId: string): Promise<StoredRetentionOverride | null> {
      return adminDb
        .prepare(
          `SELECT organization_id AS organizationId, events_days AS eventsDays, emails_days AS emailsDays,
                  archive_days AS archiveDays, updated_at AS updatedAt, updated_by AS updatedBy
           FROM organization_retention WHERE organization_id = ?`,
        )
        .bind(organizationId)
        .first<OverrideRow>();
    },

    /**
     * Sets (or with every field null, removes) an organisation's override; validated first, so a
     * bad value writes nothing. Resolves false when no such organisation exists.
     * @throws {InvalidOptionsError} for a field outside the bounds.
     */
    async setOverride(organizationId: string, input: unknown, by: string, now: number): Promise<boolean> {
      const override = parseRetentionOverride(input);
      const exists = await adminDb.prepare('SELECT 1 FROM organizations WHERE id = ?').bind(organizationId).first();
      if (!exists) return false;
      if (override.eventsDays === null && override.emailsDays === null && override.archiveDays === null) {
        await adminDb
          .prepare('DELETE FROM organization_retention WHERE organization_id = ?')
          .bind(organizationId)
          .run();
        return true;
      }
      await adminDb
        .prepare(
          `INSERT INTO organization_retention
             (organization_id, events_days, emails_days, archive_days, updated_at, updated_by)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (organization_id) DO UPDATE SET events_days = excluded.events_days,
             emails_days = excluded.emails_days, archive_days = excluded.archive_days,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .bind(organizationId, override.eventsDays, override.emailsDays, override.archiveDays, now, by)
        .run();
      // The next run visits it first, so a shorter retention takes effect at once.
      await adminDb
        .prepare('DELETE FROM retention_purge_progress WHERE organization_id = ?')
        .bind(organizationId)
        .run();
      return true;
    },

    /**
     * Every organisation with its override, those never visited first, then those visited
     * longest ago: a run that stops at its budget resumes with the next ones.
     */
    async purgeCandidates(): Promise<PurgeCandidate[]> {
      const { results } = await adminDb
        .prepare(
          `SELECT o.id AS organizationId, r.events_days AS eventsDays, r.emails_days AS emailsDays,
                  r.archive_days AS archiveDays, r.organization_id IS NOT NULL AS overridden
           FROM organizations o
           LEFT JOIN organization_retention r ON r.organization_id = o.id
           LEFT JOIN retention_purge_progress p ON p.organization_id = o.id
           WHERE o.removed_at IS NULL
           ORDER BY p.last_run_at IS NOT NULL, p.last_run_at, o.id`,
        )
        .all<{
          organizationId: string;
          eventsDays: number | null;
          emailsDays: number | null;
          archiveDays: number | null;
          overridden: number;
        }>();
      return results.map((row) => ({
        organizationId: row.organizationId,
        override: row.overridden
          ? { eventsDays: row.eventsDays, emailsDays: row.emailsDays, archiveDays: row.archiveDays }
          : null,
      }));
    },

    /** Records one visit (adds to the organisation's totals). */
    async recordProgress(progress: PurgeProgress): Promise<void> {
      await adminDb
        .prepare(
          `INSERT INTO retention_purge_progress (organization_id, last_run_at, caught_up, emails_deleted, events_deleted)
           VALUES (?1, ?2, ?3, ?4, ?5)
           ON CONFLICT (organization_id) DO UPDATE SET last_run_at = ?2, caught_up = ?3,
             emails_deleted = emails_deleted + ?4, events_deleted = events_deleted + ?5`,
        )
        .bind(
          progress.organizationId,
          progress.at,
          progress.caughtUp ? 1 : 0,
          progress.emailsDeleted,
          progress.eventsDeleted,
        )
        .run();
    },
  };
}

/** The store {@link createD1RetentionStore} makes. */
export type RetentionStore = ReturnType<typeof createD1RetentionStore>;
