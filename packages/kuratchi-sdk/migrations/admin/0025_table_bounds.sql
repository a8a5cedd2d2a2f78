-- Every admin table has a bound (issue 30; the registry is the dashboard's
-- src/lib/server/bounds/table-bounds.ts, its table docs/table-bounds.md). The cron's
-- `admin-purge` deletes old rows page by page: these indexes let each page read only what it
-- deletes. Times are epoch ms (UTC).
CREATE INDEX alert_incidents_cleared ON alert_incidents (cleared_at) WHERE cleared_at IS NOT NULL;
CREATE INDEX canary_runs_decided ON canary_runs (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX sns_subscription_messages_by_topic ON sns_subscription_messages (topic_arn, received_at);
CREATE INDEX sns_subscription_messages_by_received ON sns_subscription_messages (received_at);
-- The park sweep drops any dead letter older than KURATCHI_DEAD_LETTER_DAYS, oldest first.
CREATE INDEX email_event_dead_letters_by_time ON email_event_dead_letters (dead_lettered_at, sns_message_id);
CREATE INDEX reconcile_export_jobs_finished ON reconcile_export_jobs (day) WHERE state IN ('done', 'split');

-- Replaced by sign_in_throttle in 0004 and no longer read or written by any Worker since.
DROP TABLE sign_in_failures;

-- Each organisation's database as last measured by the cron's `storage-measure` (counting its
-- big tables live is too slow for a page view): its size in bytes, its rows, and the time of the
-- oldest event it keeps. The Organisations page shows it; the `storage` alert reads it.
CREATE TABLE organization_storage (
  organization_id TEXT PRIMARY KEY,
  -- d1 or durable-object: where it was measured (both stop at 10 GB).
  database_kind TEXT NOT NULL,
  -- The last successful measurement (all NULL until there is one).
  database_bytes INTEGER,
  emails INTEGER,
  email_events INTEGER,
  email_recipients INTEGER,
  -- occurred_at of the oldest event kept; NULL: no events.
  oldest_event_at INTEGER,
  measured_at INTEGER,
  -- The last attempt (which orders the next ones) and its error, NULL when it succeeded.
  attempted_at INTEGER NOT NULL,
  error TEXT
) WITHOUT ROWID;
CREATE INDEX organization_storage_by_attempt ON organization_storage (attempted_at);
