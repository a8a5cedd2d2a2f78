import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types';

const DAY_MS = 86_400_000;

/**
 * How long the admin tables that `admin-purge` bounds keep their rows (docs/table-bounds.md):
 * constants, not settings: nobody tunes them to run the service, and each is far longer than
 * anything reads. Cleared incidents (and their notices) 90 days; decided canary runs (and their
 * expectations) 30 days; the reputation guard's audit 400 days (it is an audit: over a year, as
 * SendGrid keeps 13 months of totals); SNS subscription messages 90 days, the latest of each topic
 * always kept (the `subscription` alert reads it); finished export jobs 30 days, the latest day
 * always kept (the next day to export follows it); the tally of dropped dead letters 400 days.
 */
export const ADMIN_KEPT_MS = {
  clearedIncidents: 90 * DAY_MS,
  decidedCanaryRuns: 30 * DAY_MS,
  reputationAudit: 400 * DAY_MS,
  subscriptionMessages: 90 * DAY_MS,
  finishedExportJobs: 30 * DAY_MS,
  droppedDeadLetterTally: 400 * DAY_MS,
} as const;

/** Rows of each table deleted per page; one page is one D1 batch (one transaction). */
export const ADMIN_PURGE_PAGE = 500;
/** Most pages per cron run: at most 10 D1 batches (10 of the invocation's 1,000 queries). */
export const ADMIN_PURGE_MAX_PAGES = 10;

/** What one run of {@link purgeAdminTables} deleted, per table, and whether rows are left to do. */
export interface AdminPurgeReport {
  alertIncidents: number;
  alertNotices: number;
  canaryRuns: number;
  canaryExpectations: number;
  reputationAudit: number;
  subscriptionMessages: number;
  exportJobs: number;
  droppedDeadLetterTally: number;
  /** The page budget ran out with rows still to delete: the next run goes on. */
  more: boolean;
}

/**
 * Deletes the admin rows past their time ({@link ADMIN_KEPT_MS}), oldest first, page by page:
 * each page deletes at most {@link ADMIN_PURGE_PAGE} rows of each table in one D1 batch (a
 * parent and its children in the same transaction: the statements pick the same page), and a
 * run stops after {@link ADMIN_PURGE_MAX_PAGES}. Never touches an open incident, a waiting canary
 * run, an export job still in progress, the latest export day or the latest subscription message
 * of a topic. Idempotent and resumable: the next run goes on where this one stopped.
 * @see https://developers.cloudflare.com/d1/worker-api/d1-database/#batch
 * @see https://developers.cloudflare.com/d1/platform/limits/ (1,000 queries per invocation)
 */
export async function purgeAdminTables(db: D1Database, now: number): Promise<AdminPurgeReport> {
  const report: AdminPurgeReport = {
    alertIncidents: 0,
    alertNotices: 0,
    canaryRuns: 0,
    canaryExpectations: 0,
    reputationAudit: 0,
    subscriptionMessages: 0,
    exportJobs: 0,
    droppedDeadLetterTally: 0,
    more: false,
  };
  const statements = pageStatements(db, now);
  for (let page = 0; page < ADMIN_PURGE_MAX_PAGES; page++) {
    const results = await db.batch(statements.map(([, statement]) => statement));
    let full = false;
    statements.forEach(([field, , parent], i) => {
      const changes = results[i]!.meta.changes;
      report[field] += changes;
      // A child table's count follows its parent's page; only parents fill a page.
      if (parent && changes >= ADMIN_PURGE_PAGE) full = true;
    });
    if (!full) return report;
  }
  report.more = true;
  return report;
}

type Field = Exclude<keyof AdminPurgeReport, 'more'>;

/** The statements of one page: [report field, statement, whether it pages (a parent)]. */
function pageStatements(db: D1Database, now: number): Array<[Field, D1PreparedStatement, boolean]> {
  const before = (kept: number) => now - kept;
  const day = (kept: number) => new Date(now - kept).toISOString().slice(0, 10);
  const incidents = `SELECT id FROM alert_incidents WHERE cleared_at < ?1 ORDER BY cleared_at LIMIT ?2`;
  const runs = `SELECT id FROM canary_runs WHERE decided_at < ?1 ORDER BY decided_at LIMIT ?2`;
  const page = (sql: string, cutoff: number | string) => db.prepare(sql).bind(cutoff, ADMIN_PURGE_PAGE);
  return [
    // Children first: they and their parents pick the same page in the same transaction.
    [
      'alertNotices',
      page(`DELETE FROM alert_notices WHERE incident_id IN (${incidents})`, before(ADMIN_KEPT_MS.clearedIncidents)),
      false,
    ],
    [
      'alertIncidents',
      page(`DELETE FROM alert_incidents WHERE id IN (${incidents})`, before(ADMIN_KEPT_MS.clearedIncidents)),
      true,
    ],
    [
      'canaryExpectations',
      page(`DELETE FROM canary_expectations WHERE run_id IN (${runs})`, before(ADMIN_KEPT_MS.decidedCanaryRuns)),
      false,
    ],
    [
      'canaryRuns',
      page(`DELETE FROM canary_runs WHERE id IN (${runs})`, before(ADMIN_KEPT_MS.decidedCanaryRuns)),
      true,
    ],
    [
      'reputationAudit',
      page(
        `DELETE FROM reputation_guard_audit WHERE id IN
           (SELECT id FROM reputation_guard_audit WHERE at < ?1 ORDER BY at LIMIT ?2)`,
        before(ADMIN_KEPT_MS.reputationAudit),
      ),
      true,
    ],
    [
      'subscriptionMessages',
      page(
        `DELETE FROM sns_subscription_messages WHERE sns_message_id IN
           (SELECT m.sns_message_id FROM sns_subscription_messages m
            WHERE m.received_at < ?1
              AND m.received_at < (SELECT max(l.received_at) FROM sns_subscription_messages l WHERE l.topic_arn = m.topic_arn)
            ORDER BY m.received_at LIMIT ?2)`,
        before(ADMIN_KEPT_MS.subscriptionMessages),
      ),
      true,
    ],
    [
      'exportJobs',
      page(
        `DELETE FROM reconcile_export_jobs WHERE id IN
           (SELECT id FROM reconcile_export_jobs
            WHERE state IN ('done', 'split') AND day < ?1 AND day < (SELECT max(day) FROM reconcile_export_jobs)
            ORDER BY day LIMIT ?2)`,
        day(ADMIN_KEPT_MS.finishedExportJobs),
      ),
      true,
    ],
    [
      'droppedDeadLetterTally',
      page(
        `DELETE FROM dropped_dead_letters WHERE (day, reason) IN
           (SELECT day, reason FROM dropped_dead_letters WHERE day < ?1 ORDER BY day LIMIT ?2)`,
        day(ADMIN_KEPT_MS.droppedDeadLetterTally),
      ),
      true,
    ],
  ];
}
