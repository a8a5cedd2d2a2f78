-- SES's own bot verdict on an Open or Click (issue 28): `isBotEvent` of the `open` / `click`
-- object, stored raw as SES sent it (`Likely`, `Unlikely`, anything else); NULL when the event has
-- none (older events, identity notifications). `Likely` or `Unlikely` decides the verdict
-- (engagement_rule `ses-likely-bot` / `ses-unlikely-bot`); otherwise the rules decide.
-- https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
ALTER TABLE email_events ADD COLUMN is_bot_event TEXT;

-- Events recorded before kept it in `detail` only (the JSON representation of a value that is not
-- a string, as ses-events/ses-bot-verdict.ts does). Those it decides are left for
-- `kuratchi-ses reclassify` (rules_version NULL), which applies the verdict written once in TypeScript.
UPDATE email_events SET is_bot_event = CASE json_type(detail, '$.isBotEvent')
    WHEN 'text' THEN detail ->> '$.isBotEvent' ELSE detail -> '$.isBotEvent' END
WHERE event_type IN ('Open', 'Click') AND json_type(detail, '$.isBotEvent') NOT IN ('null');
UPDATE email_events SET rules_version = NULL WHERE is_bot_event IN ('Likely', 'Unlikely');

-- The click-burst rule never turns a click SES called `Unlikely` into machine, so such a click
-- never leaves the human-click index by becoming machine: keep it out of the index from the start,
-- or every later click of another link in its window would read it again (the O(1) cost of
-- migrations/org/0007_click_cost.sql).
DROP INDEX email_events_human_clicks_by_email_link;
CREATE INDEX email_events_human_clicks_by_email_link ON email_events (email_id, link, occurred_at)
  WHERE event_type = 'Click' AND engagement = 'human' AND is_bot_event IS NOT 'Unlikely';

-- The overview's count of opens and clicks by who decided (SES or which rule) over a period.
CREATE INDEX email_events_verdicts_by_time ON email_events (occurred_at, engagement, engagement_rule)
  WHERE engagement IS NOT NULL;
