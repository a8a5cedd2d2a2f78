-- Each organisation's own ingestion figures (issue 27): what its admin sees on the overview. The
-- deployment's tables (ingestion_counters, ingestion_lag, the park, the dead letters) keep
-- counting everything, for superadmins; an event is counted for an organisation as well only
-- once its route (email_message_lookup) is known. What is counted before that (received,
-- verified, rejected:<code>, queued, an event waiting for its route) stays deployment-wide.

-- The outcome counters ('outcome:<outcome>') of events routed to the organisation.
CREATE TABLE organization_ingestion_counters (
  organization_id TEXT NOT NULL,
  name TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, name)
) WITHOUT ROWID;

-- The lag histogram of the organisation's applied events (as ingestion_lag); the scheduled purge
-- drops minutes older than a day from both.
CREATE TABLE organization_ingestion_lag (
  organization_id TEXT NOT NULL,
  minute INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (organization_id, minute, bucket)
) WITHOUT ROWID;
CREATE INDEX organization_ingestion_lag_by_minute ON organization_ingestion_lag (minute);

-- The organisation of a parked event or dead letter: that of its route when it had one as the row
-- was written (an orphaned or org-moving event, a full park, a queue's dead letter); NULL for an
-- event still waiting for its route, which no organisation can be shown.
ALTER TABLE parked_email_events ADD COLUMN organization_id TEXT;
ALTER TABLE email_event_dead_letters ADD COLUMN organization_id TEXT;
CREATE INDEX parked_email_events_by_organization ON parked_email_events (organization_id)
  WHERE organization_id IS NOT NULL;
CREATE INDEX email_event_dead_letters_by_organization ON email_event_dead_letters (organization_id)
  WHERE organization_id IS NOT NULL;

-- Rows written before this migration: attributed by their route, when there is one now.
UPDATE parked_email_events SET organization_id = (
  SELECT l.organization_id FROM email_message_lookup l WHERE l.ses_message_id = parked_email_events.ses_message_id
);
UPDATE email_event_dead_letters SET organization_id = (
  SELECT l.organization_id FROM email_message_lookup l WHERE l.ses_message_id = email_event_dead_letters.ses_message_id
);
