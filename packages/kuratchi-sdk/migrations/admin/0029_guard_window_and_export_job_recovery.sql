-- Issue 28 leftovers.

-- decided_by: the window whose verdict set a warn or paused state: `short` (its length, in minutes) or `long`
-- (KURATCHI_REPUTATION_WINDOW_DAYS × 1440 minutes); NULL without a cause, or set before this
-- migration (the next evaluation sets it). Titles name it ("short window 60 minutes").
ALTER TABLE reputation_guard_state ADD COLUMN decided_by TEXT CHECK (decided_by IN ('short', 'long'));
ALTER TABLE reputation_guard_state ADD COLUMN window_minutes INTEGER;

-- Export jobs: when CreateExportJob was last called for the row (set before the call, cleared
-- when its JobId is recorded): a row still `create` with it set may have a job at SES that was
-- never recorded, looked for with ListExportJobs before a new one is made. When the row's job
-- was created (a job CREATED or PROCESSING too long after it is given up).
ALTER TABLE reconcile_export_jobs ADD COLUMN create_called_at INTEGER;
ALTER TABLE reconcile_export_jobs ADD COLUMN job_created_at INTEGER;
-- How many of the row's jobs were given up (still CREATED or PROCESSING a day after creation).
ALTER TABLE reconcile_export_jobs ADD COLUMN jobs_given_up INTEGER NOT NULL DEFAULT 0;

-- A removed organisation (a superadmin's `remove`): nothing routes to it any more (its database
-- is "not found": no sending, no events applied, no page), its SES tenant is deleted, and its
-- row stays, with its database: the D1 database or Durable Object keeps its mail until an
-- operator deletes it (the binding stays taken meanwhile). By whom (an address) and when.
ALTER TABLE organizations ADD COLUMN removed_at INTEGER;
ALTER TABLE organizations ADD COLUMN removed_by TEXT;
