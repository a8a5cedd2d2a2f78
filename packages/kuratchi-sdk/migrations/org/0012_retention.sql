-- Retention (issue 30): the `retention-purge` job deletes raw events older than the
-- organisation's events retention, oldest first, a slice at a time; this index finds them
-- without scanning the table. Emails are found by `emails_by_created`.
-- https://www.sqlite.org/queryplanner.html
CREATE INDEX email_events_by_occurred ON email_events (occurred_at);
