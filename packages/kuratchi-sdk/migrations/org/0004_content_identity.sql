-- One SES event counted once whichever way it came (events/content-identity.ts).
--
-- content_id: SHA-256 (base64url) of the fields that make two SES records the same event
-- (sesEventIdentityFields). The same event under another SNS MessageId (identity notifications and
-- event publishing on one topic, a Firehose record, an import) conflicts here and is dropped, in
-- the same batch as today's SNS MessageId check. NULL for events recorded before this migration:
-- SQLite lets a UNIQUE index hold any number of NULLs, and a redriven or replayed copy of one of
-- them still has its SNS MessageId.
ALTER TABLE email_events ADD COLUMN content_id TEXT;
CREATE UNIQUE INDEX email_events_by_content_id ON email_events (content_id);

-- How this copy reached us: 'sns', 'redrive', 'firehose', 'import', 'rebuild' or 'reconcile'.
ALTER TABLE email_events ADD COLUMN source TEXT NOT NULL DEFAULT 'sns';

-- The R2 key of the raw signed SNS message (the raw archive), NULL when it was not archived: what
-- the proof bundle of an email reads.
ALTER TABLE email_events ADD COLUMN archive_key TEXT;
