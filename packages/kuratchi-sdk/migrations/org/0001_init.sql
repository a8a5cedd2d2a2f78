-- Organisation database (one D1 database per organisation): its emails, every distinct SES
-- event of them, and its suppression list. Times are epoch milliseconds (UTC).

CREATE TABLE emails (
  id TEXT PRIMARY KEY,
  recipient TEXT NOT NULL,
  sender TEXT NOT NULL,
  subject TEXT NOT NULL,
  email_type TEXT,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'delayed', 'delivered', 'failed', 'rejected', 'bounced', 'complained')),
  ses_message_id TEXT UNIQUE,
  error TEXT,
  user_id TEXT,
  metadata TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  delivered_at INTEGER,
  delayed_at INTEGER,
  opened_at INTEGER,
  clicked_at INTEGER,
  bounced_at INTEGER,
  complained_at INTEGER,
  rejected_at INTEGER,
  failed_at INTEGER,
  open_count INTEGER NOT NULL DEFAULT 0,
  click_count INTEGER NOT NULL DEFAULT 0,
  last_clicked_at INTEGER,
  last_clicked_link TEXT,
  bounce_type TEXT,
  bounce_sub_type TEXT,
  complaint_feedback_type TEXT,
  reject_reason TEXT,
  delivery_delay_type TEXT,
  rendering_failure TEXT
);

CREATE INDEX emails_by_created ON emails (created_at DESC, id DESC);
CREATE INDEX emails_by_status ON emails (status, created_at DESC, id DESC);
CREATE INDEX emails_by_recipient ON emails (recipient, created_at DESC, id DESC);

-- One row per distinct SNS delivery of an SES event (SNS is at-least-once).
CREATE TABLE email_events (
  sns_message_id TEXT PRIMARY KEY,
  email_id TEXT NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
  ses_message_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  occurred_at INTEGER NOT NULL,
  -- The event's detail object (bounce, open, click...) as JSON.
  detail TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  -- Random per recording attempt: the batch applies the event's effects only if its own insert
  -- won, so a duplicate delivery never counts twice.
  ingest_token TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX email_events_by_email ON email_events (email_id, occurred_at);

CREATE TABLE email_suppressions (
  -- Lower-cased address.
  email_address TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('bounce', 'complaint', 'manual')),
  detail TEXT,
  source_email_id TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
