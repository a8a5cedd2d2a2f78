-- Where the reputation guard's cron stopped (issue 30): one cron invocation evaluates at most
-- KURATCHI_GUARD_ORGANIZATIONS_PER_RUN organisations, in id order, so that it stays inside D1's
-- 1,000 queries and Workers' 10,000 subrequests per invocation however many organisations there
-- are; the next invocation goes on after `after_organization_id` ('' : from the first). One row,
-- bounded. https://developers.cloudflare.com/d1/platform/limits/
CREATE TABLE reputation_guard_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  after_organization_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
