-- Admin database (D1 binding ADMIN_DB): organisations, the SES message routing table, events
-- parked until their email is known, and the SNS subscription messages received.
-- Times are epoch milliseconds (UTC).

CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- Name of the Worker's D1 binding that holds this organisation's database.
  database_binding TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- SES message id -> the organisation and email row it belongs to; written by sendEmail.
CREATE TABLE email_message_lookup (
  ses_message_id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  email_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Verified SES events whose email is not known yet; applied when the lookup row arrives.
CREATE TABLE parked_email_events (
  sns_message_id TEXT PRIMARY KEY,
  ses_message_id TEXT NOT NULL,
  -- The verified SNS Message: the SES event record as JSON.
  message TEXT NOT NULL,
  parked_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX parked_email_events_by_ses_message ON parked_email_events (ses_message_id);

-- SubscriptionConfirmation / UnsubscribeConfirmation messages and what was done with them.
CREATE TABLE sns_subscription_messages (
  sns_message_id TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('SubscriptionConfirmation', 'UnsubscribeConfirmation')),
  topic_arn TEXT NOT NULL,
  sns_timestamp INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('confirmed', 'confirm-failed', 'unsubscribed')),
  detail TEXT,
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
