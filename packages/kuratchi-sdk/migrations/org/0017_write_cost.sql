-- Fewer rows written per recorded event (D1 bills every row and index entry written:
-- https://developers.cloudflare.com/d1/platform/pricing/). Counted by `bench/cost.mjs` and held
-- by routing/record-cost.test.ts.
--
-- 1. An event's position (0010) is written with its row. Before, the row went in with a NULL
-- position, then a trigger moved the sequence and UPDATEd the row: four rows written for the
-- position (the NULL entry of `email_events_by_position`, the sequence row, the row again, the
-- new entry) where one is needed. The statement that records an event (routing/record-statements.ts)
-- now gives it `NEXT_EVENT_POSITION_SQL` (shared/event-position-sql.ts): one more than both the
-- greatest position there and the sequence row's `last`. The sequence row now only remembers a
-- position that is no longer in the table, so that none is given twice: it is written when the
-- event holding the greatest position is deleted (a purge or a reset that reaches the newest
-- events), never when one is inserted. Its `last` so far (the greatest position given) is such a
-- floor already. An event inserted without a position (any other path) is numbered as before by
-- the trigger, after its insert; one inserted with its position (a copy) keeps it, and the next
-- come after it. A sequence row deleted with the rest of a database's rows starts again from the
-- greatest position left, as before. Every write to an organisation's database is serialised, so
-- an event recorded later still gets a greater position.
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
-- https://www.sqlite.org/lang_createtrigger.html
DROP TRIGGER email_events_position_after_insert;
DROP TRIGGER email_events_copied_position_after_insert;

CREATE TRIGGER email_events_position_after_insert AFTER INSERT ON email_events
WHEN new.position IS NULL
BEGIN
  UPDATE email_events SET position = 1 + max(coalesce((SELECT max(position) FROM email_events), 0),
                                             coalesce((SELECT last FROM event_position_sequence WHERE id = 1), 0))
  WHERE sns_message_id = new.sns_message_id; END;

CREATE TRIGGER email_events_position_floor_after_delete AFTER DELETE ON email_events
WHEN old.position > coalesce((SELECT max(position) FROM email_events), 0)
  AND old.position > coalesce((SELECT last FROM event_position_sequence WHERE id = 1), 0)
BEGIN
  INSERT INTO event_position_sequence (id, last) VALUES (1, old.position)
  ON CONFLICT (id) DO UPDATE SET last = excluded.last; END;

-- 2. No query reads `email_recipients` by address alone (the search reads `email_search`, the
-- guard `email_reputation_marks`, every other reader an email's rows through the primary key):
-- the index only cost a row written per recipient.
DROP INDEX email_recipients_by_address;
