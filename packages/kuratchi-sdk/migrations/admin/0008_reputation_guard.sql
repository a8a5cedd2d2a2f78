-- The per-organisation reputation guard (kuratchi-sdk/email/guard). Times are epoch ms (UTC);
-- rates are fractions (0.02 = 2 %), per recipient, over the guard's trailing window.

-- The organisation's own SES configuration set, when it has one: pausing the organisation then
-- also disables sending on it at SES (PutConfigurationSetSendingOptions), lifting re-enables it.
-- A table of its own rather than a column of `organizations`, whose rows some tools insert
-- positionally (`INSERT INTO organizations VALUES (...)`).
CREATE TABLE organization_configuration_sets (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  configuration_set_name TEXT NOT NULL
) WITHOUT ROWID;

-- One row per organisation the guard has evaluated. sendEmail reads it by primary key.
CREATE TABLE reputation_guard_state (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  state TEXT NOT NULL CHECK (state IN ('ok', 'warn', 'paused')),
  -- When the organisation entered this state.
  since INTEGER NOT NULL,
  -- What caused a warn or paused state: the metric, its rate and the threshold it crossed.
  metric TEXT CHECK (metric IN ('bounce', 'complaint')),
  rate REAL,
  threshold REAL,
  -- The last evaluation: both rates and the recipients they were computed on.
  bounce_rate REAL,
  complaint_rate REAL,
  recipients INTEGER NOT NULL DEFAULT 0,
  evaluated_at INTEGER NOT NULL,
  -- Set by a lift: until the window has moved past it, only recipients sent at or after it count
  -- towards a new pause (the data that caused the lifted pause cannot pause again).
  rearm_after INTEGER,
  -- Sends refused while paused (since the pause began).
  refused_sends INTEGER NOT NULL DEFAULT 0,
  last_refused_at INTEGER,
  -- The organisation's own configuration set at SES: sending disabled (paused) or enabled again
  -- (lifted), or that call still to be made (it failed, or the Worker had no AWS credentials):
  -- each evaluation retries a pending one. NULL: no configuration set of its own, nothing done.
  configuration_set_sending TEXT
    CHECK (configuration_set_sending IN ('disabled', 'enabled', 'disable-pending', 'enable-pending'))
) WITHOUT ROWID;

-- Every change of state: who (the guard, or the superadmin's address), what, when, why, and the
-- rates at the time. Never updated or deleted by the application.
CREATE TABLE reputation_guard_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  action TEXT NOT NULL CHECK (action IN ('warn', 'pause', 'lift', 'clear')),
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  bounce_rate REAL,
  complaint_rate REAL,
  recipients INTEGER NOT NULL DEFAULT 0,
  -- What happened at SES to the organisation's configuration set, when it has one.
  configuration_set TEXT,
  at INTEGER NOT NULL
);

CREATE INDEX reputation_guard_audit_by_org ON reputation_guard_audit (organization_id, at);
CREATE INDEX reputation_guard_audit_by_at ON reputation_guard_audit (at);
