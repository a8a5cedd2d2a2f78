-- The API's event feed (issue 29, GET /api/v1/events): every recorded event gets a position,
-- increasing in the order events are recorded, so a client that keeps the last position it read
-- misses nothing and sees nothing twice. `email_events` is WITHOUT ROWID (no rowid to use), so
-- the position is a column, taken from a one-row sequence by the trigger below in the same
-- statement that inserts the event. Every write to an organisation's database (a D1 database or
-- a Durable Object's SQLite) is serialised, one transaction after another: an event inserted
-- later, by any path, commits later and gets a greater position; a position once read never
-- gains a smaller neighbour.
-- A sequence row deleted with the rest of a database's rows (a reset) starts again from the
-- greatest position left.
-- An event inserted with its position (organizations/org-copy.ts copying an organisation to its
-- new database) keeps it and moves the sequence past it, so cursors survive the move.
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
-- https://www.sqlite.org/lang_createtrigger.html
-- https://developers.cloudflare.com/d1/worker-api/d1-database/#batch-statements
ALTER TABLE email_events ADD COLUMN position INTEGER;

CREATE TABLE event_position_sequence (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last INTEGER NOT NULL
);

-- Events recorded before this migration, in the order they were received.
-- (UPDATE … FROM: one pass over the table, https://www.sqlite.org/lang_update.html#update_from)
UPDATE email_events SET position = numbered.n
FROM (SELECT sns_message_id, row_number() OVER (ORDER BY received_at, sns_message_id) AS n FROM email_events) AS numbered
WHERE email_events.sns_message_id = numbered.sns_message_id;
INSERT INTO event_position_sequence (id, last) VALUES (1, (SELECT coalesce(max(position), 0) FROM email_events));

CREATE UNIQUE INDEX email_events_by_position ON email_events (position);

CREATE TRIGGER email_events_position_after_insert AFTER INSERT ON email_events
WHEN new.position IS NULL
BEGIN
  INSERT OR IGNORE INTO event_position_sequence (id, last) VALUES (1, (SELECT coalesce(max(position), 0) FROM email_events)); UPDATE event_position_sequence SET last = last + 1 WHERE id = 1; UPDATE email_events SET position = (SELECT last FROM event_position_sequence WHERE id = 1) WHERE sns_message_id = new.sns_message_id; END;

CREATE TRIGGER email_events_copied_position_after_insert AFTER INSERT ON email_events
WHEN new.position IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO event_position_sequence (id, last) VALUES (1, 0); UPDATE event_position_sequence SET last = max(last, new.position) WHERE id = 1; END;

-- The email log's and the API's filter by email type (`emailType` of sendEmail), newest first.
CREATE INDEX emails_by_type ON emails (email_type, created_at DESC, id DESC);
