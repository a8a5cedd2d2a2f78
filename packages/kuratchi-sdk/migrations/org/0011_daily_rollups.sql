-- Daily rollups (issue 30): per UTC day, the organisation's figures that the overview charts and
-- totals read, kept in the same statement that changes a raw row, so they outlive raw events and
-- emails once retention deletes those, and the overview's cost depends on days, not emails.
--
-- Narrow: one row per (day, metric, key) with its count, WITHOUT ROWID (the key is the primary
-- key, so a day's figures are one range of the table). `day` is the UTC day number (epoch ms /
-- 86,400,000); `key` is '' unless the metric has a dimension. Metrics, canary emails left out as
-- shared/canary-sql.ts says:
--   from `emails`, each email on the UTC day of the milestone's column (the earliest time, as the
--   email log shows it): sent, delivered, opened, clicked, bounced (key: bounce type, Permanent /
--   Transient / Undetermined), complained, rejected, failed, and human_opened / human_clicked
--   (opened_at / clicked_at of an email a person opened / clicked: more opens than machine opens);
--   from `email_recipients`: recipients_sent, recipients_bounced (key: bounce type),
--   recipients_complained;
--   from `email_events`, on the day the event happened: verdict_human / verdict_machine (key: the
--   rule, `ses-likely-bot` etc., of each open's and click's engagement verdict) and link_human /
--   link_machine (key: the link; a click without a verdict counts as a person's).
--
-- Kept by the triggers below, so every writer keeps them whatever path it takes: an email or
-- recipient row or an event inserted adds its contribution; an UPDATE of a counted column moves
-- it (subtracts the old row's, adds the new row's; unchanged contributions cancel out in the
-- GROUP BY and nothing is written). The statements that record an event change raw rows only
-- when their own insert won (routing/record-statements.ts), so a duplicate never counts twice and
-- no statement or round trip is added. A DELETE changes nothing: retention's purge leaves the
-- days' figures; the one path that deletes rows to record them again (ingest/d1-tracking-reset.ts,
-- `kuratchi-ses rebuild`) subtracts their contributions first. Copying an organisation
-- (organizations/org-copy.ts) copies this table last and overwrites what its triggers counted.
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
-- https://www.sqlite.org/lang_createtrigger.html
-- https://www.sqlite.org/lang_upsert.html
-- https://www.sqlite.org/withoutrowid.html
CREATE TABLE email_rollups (
  day INTEGER NOT NULL,
  metric TEXT NOT NULL,
  key TEXT NOT NULL DEFAULT '',
  count INTEGER NOT NULL,
  PRIMARY KEY (day, metric, key)
) WITHOUT ROWID;

CREATE TABLE email_rollups_backfill (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  high_water INTEGER NOT NULL,
  cursor INTEGER NOT NULL
);
INSERT INTO email_rollups_backfill (id, high_water, cursor)
SELECT 1, m, 0 FROM (SELECT max(rowid) AS m FROM emails) WHERE m IS NOT NULL;

CREATE TRIGGER email_rollups_emails_insert AFTER INSERT ON emails
WHEN new.canary = 0 AND NOT EXISTS (SELECT 1 FROM email_rollups_backfill WHERE new.rowid > cursor AND new.rowid <= high_water)
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (new.sent_at / 86400000, 'sent', '', 1),
    (new.delivered_at / 86400000, 'delivered', '', 1),
    (new.opened_at / 86400000, 'opened', '', 1),
    (new.clicked_at / 86400000, 'clicked', '', 1),
    (new.bounced_at / 86400000, 'bounced', coalesce(new.bounce_type, ''), 1),
    (new.complained_at / 86400000, 'complained', '', 1),
    (new.rejected_at / 86400000, 'rejected', '', 1),
    (new.failed_at / 86400000, 'failed', '', 1),
    (CASE WHEN new.open_count > new.machine_open_count THEN new.opened_at / 86400000 END, 'human_opened', '', 1),
    (CASE WHEN new.click_count > new.machine_click_count THEN new.clicked_at / 86400000 END, 'human_clicked', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_emails_update AFTER UPDATE OF sent_at, delivered_at, opened_at, clicked_at, bounced_at, bounce_type, complained_at, rejected_at, failed_at, open_count, machine_open_count, click_count, machine_click_count ON emails
WHEN new.canary = 0 AND NOT EXISTS (SELECT 1 FROM email_rollups_backfill WHERE new.rowid > cursor AND new.rowid <= high_water)
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (old.sent_at / 86400000, 'sent', '', -1),
    (new.sent_at / 86400000, 'sent', '', 1),
    (old.delivered_at / 86400000, 'delivered', '', -1),
    (new.delivered_at / 86400000, 'delivered', '', 1),
    (old.opened_at / 86400000, 'opened', '', -1),
    (new.opened_at / 86400000, 'opened', '', 1),
    (old.clicked_at / 86400000, 'clicked', '', -1),
    (new.clicked_at / 86400000, 'clicked', '', 1),
    (old.bounced_at / 86400000, 'bounced', coalesce(old.bounce_type, ''), -1),
    (new.bounced_at / 86400000, 'bounced', coalesce(new.bounce_type, ''), 1),
    (old.complained_at / 86400000, 'complained', '', -1),
    (new.complained_at / 86400000, 'complained', '', 1),
    (old.rejected_at / 86400000, 'rejected', '', -1),
    (new.rejected_at / 86400000, 'rejected', '', 1),
    (old.failed_at / 86400000, 'failed', '', -1),
    (new.failed_at / 86400000, 'failed', '', 1),
    (CASE WHEN old.open_count > old.machine_open_count THEN old.opened_at / 86400000 END, 'human_opened', '', -1),
    (CASE WHEN new.open_count > new.machine_open_count THEN new.opened_at / 86400000 END, 'human_opened', '', 1),
    (CASE WHEN old.click_count > old.machine_click_count THEN old.clicked_at / 86400000 END, 'human_clicked', '', -1),
    (CASE WHEN new.click_count > new.machine_click_count THEN new.clicked_at / 86400000 END, 'human_clicked', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_recipients_insert AFTER INSERT ON email_recipients
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (new.sent_at / 86400000, 'recipients_sent', '', 1),
    (new.bounced_at / 86400000, 'recipients_bounced', coalesce(new.bounce_type, ''), 1),
    (new.complained_at / 86400000, 'recipients_complained', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_recipients_update AFTER UPDATE OF sent_at, bounced_at, bounce_type, complained_at ON email_recipients
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (old.sent_at / 86400000, 'recipients_sent', '', -1),
    (new.sent_at / 86400000, 'recipients_sent', '', 1),
    (old.bounced_at / 86400000, 'recipients_bounced', coalesce(old.bounce_type, ''), -1),
    (new.bounced_at / 86400000, 'recipients_bounced', coalesce(new.bounce_type, ''), 1),
    (old.complained_at / 86400000, 'recipients_complained', '', -1),
    (new.complained_at / 86400000, 'recipients_complained', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_events_insert AFTER INSERT ON email_events
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (CASE WHEN new.engagement = 'human' THEN new.occurred_at / 86400000 END, 'verdict_human', coalesce(new.engagement_rule, ''), 1),
    (CASE WHEN new.engagement = 'machine' THEN new.occurred_at / 86400000 END, 'verdict_machine', coalesce(new.engagement_rule, ''), 1),
    (CASE WHEN new.event_type = 'Click' AND new.link IS NOT NULL AND new.engagement IS NOT 'machine' THEN new.occurred_at / 86400000 END, 'link_human', new.link, 1),
    (CASE WHEN new.event_type = 'Click' AND new.link IS NOT NULL AND new.engagement IS 'machine' THEN new.occurred_at / 86400000 END, 'link_machine', new.link, 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_events_update AFTER UPDATE OF occurred_at, engagement, engagement_rule, event_type, link ON email_events
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (CASE WHEN old.engagement = 'human' THEN old.occurred_at / 86400000 END, 'verdict_human', coalesce(old.engagement_rule, ''), -1),
    (CASE WHEN new.engagement = 'human' THEN new.occurred_at / 86400000 END, 'verdict_human', coalesce(new.engagement_rule, ''), 1),
    (CASE WHEN old.engagement = 'machine' THEN old.occurred_at / 86400000 END, 'verdict_machine', coalesce(old.engagement_rule, ''), -1),
    (CASE WHEN new.engagement = 'machine' THEN new.occurred_at / 86400000 END, 'verdict_machine', coalesce(new.engagement_rule, ''), 1),
    (CASE WHEN old.event_type = 'Click' AND old.link IS NOT NULL AND old.engagement IS NOT 'machine' THEN old.occurred_at / 86400000 END, 'link_human', old.link, -1),
    (CASE WHEN new.event_type = 'Click' AND new.link IS NOT NULL AND new.engagement IS NOT 'machine' THEN new.occurred_at / 86400000 END, 'link_human', new.link, 1),
    (CASE WHEN old.event_type = 'Click' AND old.link IS NOT NULL AND old.engagement IS 'machine' THEN old.occurred_at / 86400000 END, 'link_machine', old.link, -1),
    (CASE WHEN new.event_type = 'Click' AND new.link IS NOT NULL AND new.engagement IS 'machine' THEN new.occurred_at / 86400000 END, 'link_machine', new.link, 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

-- The overview's period counts of clicks by link and of verdicts by rule read the rollups now:
-- their indexes on `email_events` (0002, 0008) only cost a write per open and click.
DROP INDEX email_events_clicks_by_time;
DROP INDEX email_events_verdicts_by_time;
