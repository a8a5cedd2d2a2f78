-- Per-recipient outcomes and human-or-machine engagement (issue 13).
--
-- SES reports deliveries, bounces, complaints and delays per recipient (`delivery.recipients`,
-- `bounce.bouncedRecipients`, `complaint.complainedRecipients`, `deliveryDelay.delayedRecipients`,
-- and `mail.destination` for the whole message), while opens and clicks are per message: it cannot
-- tell which recipient opened. So outcomes live here, one row per recipient (To, CC and BCC), and
-- engagement stays on `emails` and `email_events`.
-- https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html

CREATE TABLE email_recipients (
  email_id TEXT NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
  -- Lower-cased bare address (the suppression list is case-insensitive too).
  address TEXT NOT NULL,
  -- How sendEmail addressed it; NULL when only SES's `mail.destination` named it.
  kind TEXT CHECK (kind IN ('to', 'cc', 'bcc')),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sent', 'delayed', 'delivered', 'failed', 'rejected', 'bounced', 'complained')),
  sent_at INTEGER,
  delivered_at INTEGER,
  delayed_at INTEGER,
  bounced_at INTEGER,
  complained_at INTEGER,
  smtp_response TEXT,
  bounce_type TEXT,
  bounce_sub_type TEXT,
  bounce_diagnostic TEXT,
  complaint_feedback_type TEXT,
  delivery_delay_type TEXT,
  PRIMARY KEY (email_id, address)
) WITHOUT ROWID;

CREATE INDEX email_recipients_by_address ON email_recipients (address);
-- The split of each log row ("2 delivered, 1 bounced"): its recipients grouped by status, read
-- from this index without a sort.
CREATE INDEX email_recipients_by_email_status ON email_recipients (email_id, status);
-- Per-recipient reputation rates by day (sent, bounced, complained), as SES computes them.
CREATE INDEX email_recipients_by_sent ON email_recipients (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX email_recipients_by_bounced ON email_recipients (bounced_at) WHERE bounced_at IS NOT NULL;
CREATE INDEX email_recipients_by_complained ON email_recipients (complained_at) WHERE complained_at IS NOT NULL;

-- Emails written before this migration knew only their To list (`recipient`, joined by ", "):
-- each To address gets a row carrying the email's own outcome, the best that is known of it.
WITH RECURSIVE split (email_id, rest, address) AS (
  SELECT id, recipient || ', ', NULL FROM emails
  UNION ALL
  SELECT email_id, substr(rest, instr(rest, ', ') + 2), lower(trim(substr(rest, 1, instr(rest, ', ') - 1)))
  FROM split WHERE rest != ''
)
INSERT OR IGNORE INTO email_recipients
  (email_id, address, kind, status, sent_at, delivered_at, delayed_at, bounced_at, complained_at,
   bounce_type, bounce_sub_type, complaint_feedback_type, delivery_delay_type)
SELECT e.id, s.address, 'to', e.status, e.sent_at, e.delivered_at, e.delayed_at, e.bounced_at, e.complained_at,
       e.bounce_type, e.bounce_sub_type, e.complaint_feedback_type, e.delivery_delay_type
FROM split s JOIN emails e ON e.id = s.email_id
WHERE s.address IS NOT NULL AND s.address != '';

-- Engagement of each Open and Click event: 'human' or 'machine' by the versioned rules table
-- (events/engagement.ts), the rule that decided and that table's version, so a newer version can
-- reclassify history from the stored detail. NULL for other event types.
ALTER TABLE email_events ADD COLUMN engagement TEXT CHECK (engagement IN ('human', 'machine'));
ALTER TABLE email_events ADD COLUMN engagement_rule TEXT;
ALTER TABLE email_events ADD COLUMN rules_version INTEGER;
-- The clicked link of a Click event (also in `detail`), for per-link statistics.
ALTER TABLE email_events ADD COLUMN link TEXT;
-- SES's `mail.timestamp` (when SES accepted the message), which `detail` lacks: the engagement
-- rules measure an open or click from it, so a reclassification sees what live ingestion saw.
ALTER TABLE email_events ADD COLUMN mail_timestamp INTEGER;

UPDATE email_events SET link = json_extract(detail, '$.link') WHERE event_type = 'Click';

CREATE INDEX email_events_clicks_by_time ON email_events (occurred_at, link) WHERE event_type = 'Click';

-- Opens and clicks a machine made (counted again from email_events in the same batch that records
-- each one, so they stay exact whatever the order of arrival): `open_count - machine_open_count`
-- are a person's.
ALTER TABLE emails ADD COLUMN machine_open_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE emails ADD COLUMN machine_click_count INTEGER NOT NULL DEFAULT 0;
