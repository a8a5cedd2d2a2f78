-- The tags an email was sent with (`tags` of sendEmail, also sent to SES as message tags), one
-- row per tag, for the API's `tag` filter (issue 29, GET /api/v1/emails?tag=name:value).
-- `email_created_at` repeats the email's `created_at` so that one index gives a tag's emails
-- newest first, in the log's order (created_at DESC, id DESC): a page reads only its own rows.
-- The rows follow their email (ON DELETE CASCADE, through the primary key).
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_MessageTag.html
CREATE TABLE email_tags (
  email_id TEXT NOT NULL REFERENCES emails (id) ON DELETE CASCADE,
  tag_name TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  email_created_at INTEGER NOT NULL,
  PRIMARY KEY (email_id, tag_name)
) WITHOUT ROWID;

CREATE INDEX email_tags_by_tag ON email_tags (tag_name, tag_value, email_created_at DESC, email_id DESC);
