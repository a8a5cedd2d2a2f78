-- Bulk reconciliation (issue 28): the SESv2 export jobs of message insights the cron creates, one
-- range of a UTC day each (the whole day, or a part of it once a job came back full and was split
-- in two), polled until complete and imported through the idempotent import path. A row is
-- written before CreateExportJob is called, so a failed call is recorded and retried, never lost.
CREATE TABLE reconcile_export_jobs (
  -- `<day>/<range_start>-<range_end>`: the same range is never created twice.
  id TEXT PRIMARY KEY,
  -- The UTC day (YYYY-MM-DD) the range belongs to.
  day TEXT NOT NULL,
  -- The range (epoch ms, both inclusive as MessageInsightsDataSource's StartDate and EndDate are).
  range_start INTEGER NOT NULL,
  range_end INTEGER NOT NULL,
  -- create: CreateExportJob to call; export: GetExportJob to poll; import: records to apply;
  -- done; split: came back full, replaced by its two halves.
  state TEXT NOT NULL CHECK (state IN ('create', 'export', 'import', 'done', 'split')),
  -- SES's JobId, once CreateExportJob answered; SES's last JobStatus.
  job_id TEXT,
  job_status TEXT,
  -- Where GetExportJob said the file is (ExportDestination.S3Url), once COMPLETED.
  output_url TEXT,
  -- Records in the file, once read; records applied so far (the import's cursor).
  records INTEGER,
  records_imported INTEGER NOT NULL DEFAULT 0,
  events_applied INTEGER NOT NULL DEFAULT 0,
  events_duplicate INTEGER NOT NULL DEFAULT 0,
  -- Failed calls in a row, the last error, and when the row is next due.
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- The cron's page of due rows, without reading finished ones.
CREATE INDEX reconcile_export_jobs_due ON reconcile_export_jobs (next_at)
  WHERE state IN ('create', 'export', 'import');
-- The latest day with a job, and a day's rows.
CREATE INDEX reconcile_export_jobs_day ON reconcile_export_jobs (day);
