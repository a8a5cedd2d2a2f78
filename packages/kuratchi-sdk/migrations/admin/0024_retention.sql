-- Retention per organisation (issue 30): how long its raw events and its emails (with their
-- recipients, events and search rows) are kept, and where the cron's `retention-purge` job is.
-- The deployment's defaults are the settings KURATCHI_RETENTION_EVENTS_DAYS and
-- KURATCHI_RETENTION_EMAILS_DAYS; a row here overrides them for one organisation (a superadmin
-- sets it; NULL keeps the default). The suppression list is never purged by age.
-- https://developers.cloudflare.com/d1/platform/limits/

CREATE TABLE organization_retention (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  events_days INTEGER CHECK (events_days IS NULL OR events_days >= 1),
  emails_days INTEGER CHECK (emails_days IS NULL OR emails_days >= 1),
  updated_at INTEGER NOT NULL,
  -- The superadmin's address (or `ops-api`).
  updated_by TEXT NOT NULL
) WITHOUT ROWID;

-- One row per organisation the purge has visited: each run starts with the organisations visited
-- longest ago (never visited first), so a run that stops at its query budget resumes with the
-- next ones. `caught_up` is 1 when the last visit left nothing older than the retention.
CREATE TABLE retention_purge_progress (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  last_run_at INTEGER NOT NULL,
  caught_up INTEGER NOT NULL DEFAULT 0,
  emails_deleted INTEGER NOT NULL DEFAULT 0,
  events_deleted INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX retention_purge_progress_by_run ON retention_purge_progress (last_run_at);
