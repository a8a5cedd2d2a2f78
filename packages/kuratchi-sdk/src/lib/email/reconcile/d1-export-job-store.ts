import type { D1Database } from '@cloudflare/workers-types';
import { marks } from '../shared/sql-marks.js';
import type { InsightsSubject } from './insights-events.js';

/** Where an export job is: see admin migration 0021 (`reconcile_export_jobs.state`). */
export type ExportJobState = 'create' | 'export' | 'import' | 'done' | 'split';

/** One row of `reconcile_export_jobs`: a range of a UTC day and its SESv2 export job. */
export interface ExportJobRow {
  id: string;
  day: string;
  /** The range (epoch ms, both inclusive). */
  rangeStart: number;
  rangeEnd: number;
  state: ExportJobState;
  jobId: string | null;
  jobStatus: string | null;
  outputUrl: string | null;
  records: number | null;
  recordsImported: number;
  eventsApplied: number;
  eventsDuplicate: number;
  attempts: number;
  lastError: string | null;
  nextAt: number;
  /** When CreateExportJob was last called for the row, until its JobId is recorded (null: not since). */
  createCalledAt: number | null;
  /** When the row's job was created (null: no job). */
  jobCreatedAt: number | null;
  /** The row's jobs given up so far (still CREATED or PROCESSING too long after creation). */
  jobsGivenUp: number;
}

/** The admin database's export-job state (admin migration 0021). */
export interface ExportJobStore {
  /** The latest UTC day (YYYY-MM-DD) with a row, or null when there is none. */
  latestDay(): Promise<string | null>;
  /** Inserts the rows in state `create`, due at `now` (a row already there is kept as it is). */
  addRanges(ranges: ReadonlyArray<{ day: string; rangeStart: number; rangeEnd: number }>, now: number): Promise<void>;
  /** Rows in state create, export or import due at or before `now`, oldest range first, at most `limit`. */
  due(now: number, limit: number): Promise<ExportJobRow[]>;
  /** Writes a row's changed fields (and `updated_at`). */
  update(
    id: string,
    fields: Partial<Omit<ExportJobRow, 'id' | 'day' | 'rangeStart' | 'rangeEnd'>>,
    now: number,
  ): Promise<void>;
  /** Every row of a day, by range (for reports and tests). */
  ofDay(day: string): Promise<ExportJobRow[]>;
}

const COLUMNS: Record<keyof ExportJobRow, string> = {
  id: 'id',
  day: 'day',
  rangeStart: 'range_start',
  rangeEnd: 'range_end',
  state: 'state',
  jobId: 'job_id',
  jobStatus: 'job_status',
  outputUrl: 'output_url',
  records: 'records',
  recordsImported: 'records_imported',
  eventsApplied: 'events_applied',
  eventsDuplicate: 'events_duplicate',
  attempts: 'attempts',
  lastError: 'last_error',
  nextAt: 'next_at',
  createCalledAt: 'create_called_at',
  jobCreatedAt: 'job_created_at',
  jobsGivenUp: 'jobs_given_up',
};
const SELECT = `SELECT ${Object.entries(COLUMNS)
  .map(([key, column]) => `${column} AS "${key}"`)
  .join(', ')} FROM reconcile_export_jobs`;

/** The id of a range's row: the same range is never created twice. */
export function exportJobRowId(day: string, rangeStart: number, rangeEnd: number): string {
  return `${day}/${rangeStart}-${rangeEnd}`;
}

/**
 * The {@link ExportJobStore} of the admin D1 database: prepared statements, one per call.
 * @see https://developers.cloudflare.com/d1/worker-api/prepared-statements/
 */
export function createD1ExportJobStore(db: D1Database): ExportJobStore {
  return {
    async latestDay() {
      return (
        (await db.prepare('SELECT max(day) AS day FROM reconcile_export_jobs').first<{ day: string | null }>())?.day ??
        null
      );
    },
    async addRanges(ranges, now) {
      if (!ranges.length) return;
      await db.batch(
        ranges.map((r) =>
          db
            .prepare(
              `INSERT INTO reconcile_export_jobs (id, day, range_start, range_end, state, next_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, 'create', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
            )
            .bind(exportJobRowId(r.day, r.rangeStart, r.rangeEnd), r.day, r.rangeStart, r.rangeEnd, now, now, now),
        ),
      );
    },
    async due(now, limit) {
      const { results } = await db
        .prepare(
          `${SELECT} WHERE state IN ('create', 'export', 'import') AND next_at <= ? ORDER BY range_start, id LIMIT ?`,
        )
        .bind(now, limit)
        .all<ExportJobRow>();
      return results;
    },
    async update(id, fields, now) {
      const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
      const sets = entries.map(([key]) => `${COLUMNS[key as keyof ExportJobRow]} = ?`);
      await db
        .prepare(`UPDATE reconcile_export_jobs SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`)
        .bind(...entries.map(([, v]) => v as string | number | null), now, id)
        .run();
    },
    async ofDay(day) {
      const { results } = await db
        .prepare(`${SELECT} WHERE day = ? ORDER BY range_start, id`)
        .bind(day)
        .all<ExportJobRow>();
      return results;
    },
  };
}

/**
 * The {@link InsightsSubject}s of emails of one organisation's D1 database, by email id (at most
 * 100 ids: D1's bound-parameter limit): sender, recipients (To, CC, BCC), the `mail.timestamp` a
 * recorded event carried, the row's creation time; ids without a row are absent.
 * @see https://developers.cloudflare.com/d1/platform/limits/
 */
export async function insightsSubjects(
  db: D1Database,
  emailIds: readonly string[],
): Promise<Map<string, InsightsSubject>> {
  const ids = [...new Set(emailIds)];
  const subjects = new Map<string, InsightsSubject>();
  if (!ids.length) return subjects;
  if (ids.length > 100) throw new RangeError('at most 100 email ids per query');
  const { results } = await db
    .prepare(
      `SELECT e.id, e.ses_message_id, e.sender, e.created_at,
              (SELECT json_group_array(r.address) FROM email_recipients r WHERE r.email_id = e.id) AS recipients,
              (SELECT min(ev.mail_timestamp) FROM email_events ev WHERE ev.email_id = e.id) AS mail_timestamp
       FROM emails e WHERE e.id IN (${marks(ids.length)})`,
    )
    .bind(...ids)
    .all<{
      id: string;
      ses_message_id: string;
      sender: string;
      created_at: number;
      recipients: string;
      mail_timestamp: number | null;
    }>();
  for (const row of results) {
    subjects.set(row.id, {
      sesMessageId: row.ses_message_id,
      sender: row.sender,
      recipients: (JSON.parse(row.recipients) as string[]).sort(),
      mailTimestamp: row.mail_timestamp,
      createdAt: row.created_at,
    });
  }
  return subjects;
}
