-- The bounded park (events/park-sweep.ts, store/d1-park-store.ts). Times are epoch ms (UTC).
--
-- Why each held event is held: 'no-route' (no email_message_lookup row yet: waiting for
-- sendEmail), 'email-missing' or 'email-mismatch' (orphaned: the lookup row exists but its email
-- row is gone, or is bound to another SES message). Rows parked before this migration did not
-- say; they count as waiting, and the sweep applies or orphans them like any other.
ALTER TABLE parked_email_events ADD COLUMN reason TEXT NOT NULL DEFAULT 'no-route';

-- The sweep expires the oldest rows first and drains waiting rows whose lookup row now exists.
CREATE INDEX parked_email_events_by_parked_at ON parked_email_events (parked_at, sns_message_id);

-- Held events that outlived the park's time to live, or found their message's park full: kept
-- with their reason until replayed (`kuratchi-ses dead-letters replay`), never dropped silently.
-- reason: 'no-route' | 'email-missing' | 'email-mismatch' | 'park-full' (no CHECK: later
-- sources of dead letters, such as a queue consumer, add reasons of their own).
CREATE TABLE email_event_dead_letters (
  sns_message_id TEXT PRIMARY KEY,
  ses_message_id TEXT NOT NULL,
  -- The verified SNS Message: the SES event record as JSON.
  message TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- When the event was first held (parked_at), and when it was dead-lettered.
  first_seen_at INTEGER NOT NULL,
  dead_lettered_at INTEGER NOT NULL,
  replay_attempts INTEGER NOT NULL DEFAULT 0,
  last_replay_at INTEGER
) WITHOUT ROWID;

CREATE INDEX email_event_dead_letters_by_ses_message ON email_event_dead_letters (ses_message_id);
CREATE INDEX email_event_dead_letters_by_reason ON email_event_dead_letters (reason);
