-- Reconciliation (issue 15): what was asked of SES's GetMessageInsights about an email that had no
-- outcome yet, so the scheduled job does not ask about the same email on every cron run.
-- One row per email asked about. `next_ask_at` is when it may be asked again; NULL means never
-- (SES answered with an outcome, the message is unknown to it, it has more than one recipient, or
-- the give-up window passed). Times are epoch milliseconds (UTC).
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetMessageInsights.html
CREATE TABLE email_reconciliation (
  email_id TEXT PRIMARY KEY REFERENCES emails (id) ON DELETE CASCADE,
  first_asked_at INTEGER NOT NULL,
  last_asked_at INTEGER NOT NULL,
  asks INTEGER NOT NULL DEFAULT 1,
  next_ask_at INTEGER,
  last_result TEXT NOT NULL
    CHECK (last_result IN ('learned', 'nothing-yet', 'not-found', 'multi-recipient', 'gave-up'))
) WITHOUT ROWID;

-- The emails still worth asking about, by when they may be asked again.
CREATE INDEX email_reconciliation_due ON email_reconciliation (next_ask_at) WHERE next_ask_at IS NOT NULL;
