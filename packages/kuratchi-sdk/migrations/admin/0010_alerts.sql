-- Alerts (apps/dashboard/src/lib/server/alerts): an incident per cause, opened when a condition
-- appears (canary late, events stopped while sends go on, dead-lettered events, reputation warn or
-- pause, SNS subscription unconfirmed) and cleared when it is gone; each transition is notified
-- once, to the optional alert webhook. Times are epoch milliseconds (UTC).

CREATE TABLE alert_incidents (
  id TEXT PRIMARY KEY,
  -- What makes two conditions the same incident (e.g. 'reputation-pause:org-acme').
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  -- NULL: the whole deployment.
  organization_id TEXT,
  severity TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
  -- The latest wording (a rate or a count may change while the incident lasts; that is not notified).
  title TEXT NOT NULL,
  detail TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  cleared_at INTEGER
) WITHOUT ROWID;

-- At most one open incident per key, whatever two overlapping cron runs do.
CREATE UNIQUE INDEX alert_incidents_open_key ON alert_incidents (key) WHERE cleared_at IS NULL;
CREATE INDEX alert_incidents_by_opened ON alert_incidents (opened_at);

-- One notice per incident and transition, by construction: the primary key.
CREATE TABLE alert_notices (
  incident_id TEXT NOT NULL REFERENCES alert_incidents (id),
  transition TEXT NOT NULL CHECK (transition IN ('opened', 'cleared')),
  -- pending: to send; sent; failed: gave up after the last attempt; off: no webhook was configured.
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'off')),
  attempts INTEGER NOT NULL DEFAULT 0,
  -- A pending notice is sent by the first run at or after this time (also the claim of a run).
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  sent_at INTEGER,
  PRIMARY KEY (incident_id, transition)
) WITHOUT ROWID;

CREATE INDEX alert_notices_pending ON alert_notices (state, next_attempt_at);
