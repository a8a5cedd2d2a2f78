-- What the SES webhook saw, for the dashboard's ingestion health: one counter per name
-- ('received', 'verified', 'notification', 'outcome:<outcome>', 'rejected:<code>'), with the
-- time (epoch ms) it last went up.
CREATE TABLE ingestion_counters (
  name TEXT PRIMARY KEY,
  count INTEGER NOT NULL DEFAULT 0,
  last_at INTEGER NOT NULL
) WITHOUT ROWID;
