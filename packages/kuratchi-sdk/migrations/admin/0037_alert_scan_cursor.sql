-- Where an alert provider that reads organisations' databases stopped: the `events-stopped`
-- provider checks a few organisations per cron run, in id order, within the alerts job's share of
-- the invocation's 1,000 D1 queries, and the next run goes on after `after_organization_id`
-- ('': from the first). A row per provider, bounded.
-- https://developers.cloudflare.com/d1/platform/limits/
CREATE TABLE alert_scan_cursor (
  provider TEXT PRIMARY KEY,
  after_organization_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
