-- Dead letters of mail no organisation sent through sendEmail (issue 31, item 5): a dead letter
-- whose organisation is unknown (organization_id NULL: no route when it was written or last
-- replayed) and that still has no route is kept KURATCHI_DEAD_LETTER_UNROUTED_DAYS, then dropped
-- by the park sweep. What is dropped is counted here, per day first seen and reason, and this
-- tally is kept: it is small (a row per day and reason) and tells how much foreign mail the
-- configuration set carried.
CREATE TABLE dropped_dead_letters (
  -- The UTC day (YYYY-MM-DD) the event was first seen (first_seen_at).
  day TEXT NOT NULL,
  reason TEXT NOT NULL,
  dropped INTEGER NOT NULL DEFAULT 0,
  last_dropped_at INTEGER NOT NULL,
  PRIMARY KEY (day, reason)
) WITHOUT ROWID;

-- The sweep's page of droppable dead letters, oldest first, without reading the others.
CREATE INDEX email_event_dead_letters_unrouted ON email_event_dead_letters (dead_lettered_at, sns_message_id)
  WHERE organization_id IS NULL;
