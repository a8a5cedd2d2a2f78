-- Canary emails (the canary job, sent to the SES mailbox simulator) are kept apart from the organisation's statistics.
ALTER TABLE emails ADD COLUMN canary INTEGER NOT NULL DEFAULT 0;
