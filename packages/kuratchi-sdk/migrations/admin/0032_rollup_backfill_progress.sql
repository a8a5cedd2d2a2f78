-- Where the cron's `rollup-backfill` job is (issue 30): one row per organisation it has visited.
-- `done` is 1 once the organisation's database has no backfill marker left (org migration 0011):
-- the job never visits it again, so a run after every backfill is one query. The others are
-- visited longest ago first (never visited first), so a run that stops at its budget resumes
-- with the next ones.
-- https://developers.cloudflare.com/d1/platform/limits/
CREATE TABLE rollup_backfill_progress (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  checked_at INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
