-- Search of the email log (issue 13): any part of a recipient address (To, CC, BCC) or of the
-- subject, case-insensitively (a whole SES message id is looked up through the unique index of
-- `emails.ses_message_id` instead: see store/email-search.ts). D1 ships SQLite's FTS5 module; its
-- trigram tokenizer indexes every sequence of three characters, so a term matches any substring
-- of three characters or more, case folded (shorter terms cannot be found through the index:
-- store/email-search.ts leaves them out).
-- https://developers.cloudflare.com/d1/sql-api/sql-statements/#supported-sqlite-extensions
-- https://www.sqlite.org/fts5.html#the_trigram_tokenizer
--
-- One row per email. Its rowid is a search key: -(created_at * 2^20 + n), n numbering the emails
-- of one millisecond. Ascending keys are newest first, so FTS5 hands out the matches of a search
-- in the log's order straight from the index (ORDER BY rowid, its cheaper direction) and a page
-- stops after its rows instead of sorting every match; a date range is a key range. Emails of one
-- millisecond come in key order: id order (highest first, as the log) for the rows backfilled here,
-- newest insert first for later ones.
-- The table keeps its text (not contentless) and the email id, UNINDEXED, to join back to `emails`.
-- `wrangler d1 export` refuses a database with a virtual table (cloudflare/workers-sdk#6305): see
-- docs/guides/operate.md, "Search and export", for dropping the triggers and the table around an export.

CREATE VIRTUAL TABLE email_search USING fts5(
  search_email_id UNINDEXED,
  search_addresses,
  search_subject,
  tokenize = 'trigram'
);

-- What is indexed of an email: its `recipient` (the To list as sent), every address of
-- `email_recipients` (To, CC, BCC, and recipients only SES named) that is not already part of it
-- (a substring of the recipient text matches nothing the recipient text does not), and the
-- subject. `key_top` is the key of n = 0: the millisecond's keys are (key_top - 2^20, key_top].
CREATE VIEW email_search_text AS
SELECT
  e.id AS email_id,
  -(CAST(e.created_at AS INTEGER) * 1048576) AS key_top,
  e.recipient || coalesce((SELECT ' ' || group_concat(r.address, ' ') FROM email_recipients r
                           WHERE r.email_id = e.id AND instr(lower(e.recipient), r.address) = 0), '') AS addresses,
  e.subject AS subject
FROM emails e;

-- Existing emails: n in id order within each millisecond, so the highest id comes first, as in the log.
INSERT INTO email_search (rowid, search_email_id, search_addresses, search_subject)
SELECT key_top - (row_number() OVER (PARTITION BY key_top ORDER BY email_id) - 1), email_id, addresses, subject
FROM email_search_text;

-- Triggers keep it in step, only on the columns that are indexed: the UPDATE of an SES event
-- (status, times, counters) and sendEmail's binding of the message id never name them, so they
-- never rewrite a search row. A new email takes the key below the lowest of its millisecond.
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
-- https://www.sqlite.org/lang_createtrigger.html
CREATE TRIGGER email_search_after_insert AFTER INSERT ON emails
BEGIN
  INSERT INTO email_search (rowid, search_email_id, search_addresses, search_subject)
  SELECT coalesce((SELECT s.rowid - 1 FROM email_search s
                   WHERE s.rowid > t.key_top - 1048576 AND s.rowid <= t.key_top ORDER BY s.rowid LIMIT 1), t.key_top),
         t.email_id, t.addresses, t.subject
  FROM email_search_text t WHERE t.email_id = new.id; END;

CREATE TRIGGER email_search_after_update AFTER UPDATE OF recipient, subject ON emails
WHEN old.id IS new.id AND old.created_at IS new.created_at
  AND (old.recipient IS NOT new.recipient OR old.subject IS NOT new.subject)
BEGIN
  UPDATE email_search
  SET (search_addresses, search_subject) =
      (SELECT t.addresses, t.subject FROM email_search_text t WHERE t.email_id = new.id)
  WHERE rowid > -(CAST(new.created_at AS INTEGER) * 1048576) - 1048576 AND rowid <= -(CAST(new.created_at AS INTEGER) * 1048576)
    AND search_email_id = new.id; END;

-- A new id or creation time moves the row to a new search key.
CREATE TRIGGER email_search_after_rekey AFTER UPDATE OF id, created_at ON emails
WHEN old.id IS NOT new.id OR old.created_at IS NOT new.created_at
BEGIN
  DELETE FROM email_search
  WHERE rowid > -(CAST(old.created_at AS INTEGER) * 1048576) - 1048576 AND rowid <= -(CAST(old.created_at AS INTEGER) * 1048576)
    AND search_email_id = old.id; INSERT INTO email_search (rowid, search_email_id, search_addresses, search_subject)
  SELECT coalesce((SELECT s.rowid - 1 FROM email_search s
                   WHERE s.rowid > t.key_top - 1048576 AND s.rowid <= t.key_top ORDER BY s.rowid LIMIT 1), t.key_top),
         t.email_id, t.addresses, t.subject
  FROM email_search_text t WHERE t.email_id = new.id; END;

CREATE TRIGGER email_search_after_delete AFTER DELETE ON emails
BEGIN
  DELETE FROM email_search
  WHERE rowid > -(CAST(old.created_at AS INTEGER) * 1048576) - 1048576 AND rowid <= -(CAST(old.created_at AS INTEGER) * 1048576)
    AND search_email_id = old.id; END;

-- A recipient row changes the indexed text only when its address is not already part of the
-- email's `recipient` (sendEmail's To addresses are: no rewrite for them). An SES event upserts
-- recipient rows: ON CONFLICT DO UPDATE fires no INSERT trigger, and it never changes `address`.
-- https://www.sqlite.org/lang_upsert.html
CREATE TRIGGER email_search_after_recipient_insert AFTER INSERT ON email_recipients
WHEN instr(lower((SELECT recipient FROM emails WHERE id = new.email_id)), new.address) = 0
BEGIN
  UPDATE email_search
  SET search_addresses = (SELECT t.addresses FROM email_search_text t WHERE t.email_id = new.email_id)
  WHERE rowid > (SELECT key_top FROM email_search_text WHERE email_id = new.email_id) - 1048576
    AND rowid <= (SELECT key_top FROM email_search_text WHERE email_id = new.email_id)
    AND search_email_id = new.email_id; END;

CREATE TRIGGER email_search_after_recipient_update AFTER UPDATE OF email_id, address ON email_recipients
WHEN old.email_id IS NOT new.email_id OR old.address IS NOT new.address
BEGIN
  UPDATE email_search
  SET search_addresses = (SELECT t.addresses FROM email_search_text t WHERE t.email_id = old.email_id)
  WHERE rowid > (SELECT key_top FROM email_search_text WHERE email_id = old.email_id) - 1048576
    AND rowid <= (SELECT key_top FROM email_search_text WHERE email_id = old.email_id)
    AND search_email_id = old.email_id; UPDATE email_search
  SET search_addresses = (SELECT t.addresses FROM email_search_text t WHERE t.email_id = new.email_id)
  WHERE rowid > (SELECT key_top FROM email_search_text WHERE email_id = new.email_id) - 1048576
    AND rowid <= (SELECT key_top FROM email_search_text WHERE email_id = new.email_id)
    AND search_email_id = new.email_id; END;

CREATE TRIGGER email_search_after_recipient_delete AFTER DELETE ON email_recipients
WHEN instr(lower((SELECT recipient FROM emails WHERE id = old.email_id)), old.address) = 0
BEGIN
  UPDATE email_search
  SET search_addresses = (SELECT t.addresses FROM email_search_text t WHERE t.email_id = old.email_id)
  WHERE rowid > (SELECT key_top FROM email_search_text WHERE email_id = old.email_id) - 1048576
    AND rowid <= (SELECT key_top FROM email_search_text WHERE email_id = old.email_id)
    AND search_email_id = old.email_id; END;
