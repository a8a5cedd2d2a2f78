-- Canary runs (src/lib/email/canary/): each run sends a few emails through sendEmail to the SES
-- mailbox simulator and waits for the events each one must produce to come back through the
-- whole path (SES -> SNS -> webhook -> queue -> the organisation's D1 database). Times are epoch
-- milliseconds (UTC).
-- https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
CREATE TABLE canary_runs (
  id TEXT PRIMARY KEY,
  -- The organisation whose database holds the canary emails (SES_CANARY_ORGANIZATION_ID).
  organization_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  -- Every expected event must have arrived by then, or the run is late.
  deadline_at INTEGER NOT NULL,
  -- 'waiting' until decided; 'passed' (every expected event back by the deadline), 'late' (not),
  -- 'send-failed' (SES or the database refused a canary email: nothing to wait for).
  status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'passed', 'late', 'send-failed')),
  decided_at INTEGER,
  -- Why a send failed.
  error TEXT,
  -- What started it: 'scheduled' (the cron job) or 'ops' (POST /api/ops/canary, kuratchi-ses canary).
  trigger TEXT NOT NULL DEFAULT 'scheduled'
);

CREATE INDEX canary_runs_by_start ON canary_runs (started_at DESC);
CREATE INDEX canary_runs_waiting ON canary_runs (started_at) WHERE status = 'waiting';

-- One row per event a run's email must produce: the scenario's address, the email, and when the
-- event arrived (the email_events row's received_at), once seen.
CREATE TABLE canary_expectations (
  run_id TEXT NOT NULL REFERENCES canary_runs (id) ON DELETE CASCADE,
  scenario TEXT NOT NULL,
  event_type TEXT NOT NULL,
  recipient TEXT NOT NULL,
  -- Null when the send failed.
  email_id TEXT,
  ses_message_id TEXT,
  sent_at INTEGER NOT NULL,
  arrived_at INTEGER,
  PRIMARY KEY (run_id, scenario, event_type)
) WITHOUT ROWID;
