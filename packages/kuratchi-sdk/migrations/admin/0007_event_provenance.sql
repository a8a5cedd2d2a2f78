-- Where a held event came from (events/content-identity.ts, model.ts SesEventSource), kept while
-- it waits so that it is recorded with it: source 'sns' (NULL here, rows held before this
-- migration included), 'redrive', 'firehose', 'import', 'rebuild' or 'reconcile', and the R2 key of
-- the raw signed SNS message when the raw archive is bound (NULL otherwise).
ALTER TABLE parked_email_events ADD COLUMN source TEXT;
ALTER TABLE parked_email_events ADD COLUMN archive_key TEXT;
ALTER TABLE email_event_dead_letters ADD COLUMN source TEXT;
ALTER TABLE email_event_dead_letters ADD COLUMN archive_key TEXT;
