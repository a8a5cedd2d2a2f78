-- Recording an Open or Click costs the same however many events its email has (issue 31): the
-- click-burst rule (ses-events/engagement-sql.ts) looks only at the new click's neighbourhood,
-- and the machine counters of `emails` change by one per verdict instead of being counted again.
-- Before, 1,000 clicks of one link made the next click read about a million rows.

-- The email's distinct links, one index step each, and a link's clicks within the window of a
-- time (a range of occurred_at).
CREATE INDEX email_events_clicks_by_email_link ON email_events (email_id, link, occurred_at)
  WHERE event_type = 'Click';
-- The same for human clicks only: those a new click can still turn into a burst. A click leaves
-- this index when it becomes machine, so no click is looked at again once it is.
CREATE INDEX email_events_human_clicks_by_email_link ON email_events (email_id, link, occurred_at)
  WHERE event_type = 'Click' AND engagement = 'human';

-- A verdict that changes between machine and anything else (the click-burst rule, a
-- reclassification) moves its email's machine counter by one, in the same statement. An event
-- inserted as machine is counted by the statement that records it (routing/record-statements.ts):
-- not here, so that copying an organisation's rows (organizations/org-copy.ts) counts nothing
-- twice. Deleting events (a tracking reset, which zeroes the counters too) leaves the counters.
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
-- https://www.sqlite.org/lang_createtrigger.html
CREATE TRIGGER email_events_machine_count_after_update AFTER UPDATE OF engagement ON email_events
WHEN (old.engagement IS 'machine') <> (new.engagement IS 'machine')
BEGIN
  UPDATE emails SET
    machine_open_count = machine_open_count
      + CASE WHEN new.event_type = 'Open' THEN (new.engagement IS 'machine') - (old.engagement IS 'machine') ELSE 0 END,
    machine_click_count = machine_click_count
      + CASE WHEN new.event_type = 'Click' THEN (new.engagement IS 'machine') - (old.engagement IS 'machine') ELSE 0 END
  WHERE id = new.email_id; END;

-- The counters from here on are kept by adding and subtracting: start them from the count of
-- the email's machine opens and clicks (what every open and click counted again until now).
UPDATE emails SET
  machine_open_count = (SELECT count(*) FROM email_events
                        WHERE email_id = emails.id AND event_type = 'Open' AND engagement = 'machine'),
  machine_click_count = (SELECT count(*) FROM email_events
                         WHERE email_id = emails.id AND event_type = 'Click' AND engagement = 'machine')
WHERE machine_open_count <> 0 OR machine_click_count <> 0
   OR id IN (SELECT email_id FROM email_events WHERE engagement = 'machine');
