-- The reputation guard's counts by hour and of addresses, so that one evaluation reads rows in
-- proportion to the days and hours of its window, not to the organisation's volume or bounces
-- (decision: docs/decisions/2026-12-07-guard-reads-rollups.md).
--
-- The daily rollups' `recipients_sent` (0011) is keyed by its UTC hour ('00' to '23') from
-- `hours_since` on, in the same upsert as before (no row more written per recipient); a day's
-- figure is the sum of its keys, the rows counted before under ''. Its triggers are replaced
-- below, the rest of 0011 stays.
--
-- `email_guard_rollups`: one row per (metric, span, start) with its count; `span` is the bucket's
-- length in ms (3,600,000: a UTC hour; 86,400,000: a UTC day), `start` its first ms. Metrics, per
-- kind of mark (`email_reputation_marks`, 0016): bounced_latest, complained_latest (hours and
-- days), the addresses whose latest mark of that kind was sent in the bucket; bounced_days,
-- complained_days (days), the addresses with a mark of that kind sent that day. Kept by the
-- triggers below in the statement that changes a mark (its insert, update or delete).
--
-- `email_guard_rollups_since`: the hour keys are exact from `hours_since` on, the buckets from
-- `since` on (nothing is counted in a bucket that starts before it). A database that had
-- recipients starts both at the hour after its newest `sent_at`: the guard reads as before until
-- its window starts there. The retention purge moves `since` forward as it deletes old buckets,
-- so that a move's copy (whose triggers count the copied rows and marks) counts no bucket that
-- the source deleted; a copy takes this row before the recipients.
-- https://www.sqlite.org/lang_createtrigger.html
-- https://www.sqlite.org/lang_upsert.html
-- https://www.sqlite.org/withoutrowid.html
CREATE TABLE email_guard_rollups (
  metric TEXT NOT NULL,
  span INTEGER NOT NULL CHECK (span IN (3600000, 86400000)),
  start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (metric, span, start)
) WITHOUT ROWID;

CREATE TABLE email_guard_rollups_since (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  since INTEGER NOT NULL,
  hours_since INTEGER NOT NULL
);
INSERT INTO email_guard_rollups_since (id, since, hours_since)
SELECT 1, coalesce((max(m) / 3600000 + 1) * 3600000, 0), coalesce((max(m) / 3600000 + 1) * 3600000, 0) FROM (
  SELECT max(sent_at) AS m FROM email_recipients
  UNION ALL SELECT max(sent_at) FROM email_reputation_marks WHERE kind = 'bounced'
  UNION ALL SELECT max(sent_at) FROM email_reputation_marks WHERE kind = 'complained');

-- An address's marks of a kind, by time: its latest one, and its others on a day.
CREATE INDEX email_reputation_marks_by_address ON email_reputation_marks (kind, address, sent_at);

-- 0011's, `recipients_sent` keyed by hour (`hours_since` missing, while a copy brings it: '').
DROP TRIGGER email_rollups_recipients_insert;
DROP TRIGGER email_rollups_recipients_update;

CREATE TRIGGER email_rollups_recipients_insert AFTER INSERT ON email_recipients
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (new.sent_at / 86400000, 'recipients_sent', CASE WHEN new.sent_at / 3600000 * 3600000 >= (SELECT hours_since FROM email_guard_rollups_since) THEN printf('%02d', new.sent_at / 3600000 % 24) ELSE '' END, 1),
    (new.bounced_at / 86400000, 'recipients_bounced', coalesce(new.bounce_type, ''), 1),
    (new.complained_at / 86400000, 'recipients_complained', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_rollups_recipients_update AFTER UPDATE OF sent_at, bounced_at, bounce_type, complained_at ON email_recipients
WHEN NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND (canary = 1 OR EXISTS (SELECT 1 FROM email_rollups_backfill b WHERE emails.rowid > b.cursor AND emails.rowid <= b.high_water)))
BEGIN
  INSERT INTO email_rollups (day, metric, key, count)
  SELECT column1, column2, column3, sum(column4) FROM (VALUES
    (old.sent_at / 86400000, 'recipients_sent', CASE WHEN old.sent_at / 3600000 * 3600000 >= (SELECT hours_since FROM email_guard_rollups_since) THEN printf('%02d', old.sent_at / 3600000 % 24) ELSE '' END, -1),
    (new.sent_at / 86400000, 'recipients_sent', CASE WHEN new.sent_at / 3600000 * 3600000 >= (SELECT hours_since FROM email_guard_rollups_since) THEN printf('%02d', new.sent_at / 3600000 % 24) ELSE '' END, 1),
    (old.bounced_at / 86400000, 'recipients_bounced', coalesce(old.bounce_type, ''), -1),
    (new.bounced_at / 86400000, 'recipients_bounced', coalesce(new.bounce_type, ''), 1),
    (old.complained_at / 86400000, 'recipients_complained', '', -1),
    (new.complained_at / 86400000, 'recipients_complained', '', 1)
  ) WHERE column1 IS NOT NULL GROUP BY column1, column2, column3 HAVING sum(column4) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

-- (Each VALUES list starts with an expression: a bare column there would name its column.)
-- A mark's triggers move the address's latest mark from its bucket before to its bucket after
-- (the same bucket: they cancel out), and count the address on a day where it had no other mark.
CREATE TRIGGER email_guard_rollups_marks_insert AFTER INSERT ON email_reputation_marks
BEGIN
  INSERT INTO email_guard_rollups (metric, span, start, count)
  SELECT new.kind || v.column1, s.column1, v.column2 / s.column1 * s.column1, sum(v.column3)
  FROM (VALUES
    ('_latest', (SELECT max(sent_at) FROM email_reputation_marks WHERE kind = new.kind AND address = new.address AND email_id <> new.email_id), -1),
    ('_latest', (SELECT max(sent_at) FROM email_reputation_marks WHERE kind = new.kind AND address = new.address), 1),
    ('_days', CASE WHEN NOT EXISTS (SELECT 1 FROM email_reputation_marks WHERE kind = new.kind AND address = new.address AND email_id <> new.email_id
      AND sent_at >= new.sent_at / 86400000 * 86400000 AND sent_at < new.sent_at / 86400000 * 86400000 + 86400000) THEN new.sent_at END, 1)
  ) AS v CROSS JOIN (VALUES (3600000), (86400000)) AS s
  WHERE v.column2 IS NOT NULL AND (v.column1 = '_latest' OR s.column1 = 86400000)
    AND v.column2 / s.column1 * s.column1 >= (SELECT since FROM email_guard_rollups_since)
  GROUP BY 1, 2, 3 HAVING sum(v.column3) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_guard_rollups_marks_delete AFTER DELETE ON email_reputation_marks
BEGIN
  INSERT INTO email_guard_rollups (metric, span, start, count)
  SELECT old.kind || v.column1, s.column1, v.column2 / s.column1 * s.column1, sum(v.column3)
  FROM (VALUES
    ('_latest', max(old.sent_at, coalesce((SELECT max(sent_at) FROM email_reputation_marks WHERE kind = old.kind AND address = old.address), old.sent_at)), -1),
    ('_latest', (SELECT max(sent_at) FROM email_reputation_marks WHERE kind = old.kind AND address = old.address), 1),
    ('_days', CASE WHEN NOT EXISTS (SELECT 1 FROM email_reputation_marks WHERE kind = old.kind AND address = old.address
      AND sent_at >= old.sent_at / 86400000 * 86400000 AND sent_at < old.sent_at / 86400000 * 86400000 + 86400000) THEN old.sent_at END, -1)
  ) AS v CROSS JOIN (VALUES (3600000), (86400000)) AS s
  WHERE v.column2 IS NOT NULL AND (v.column1 = '_latest' OR s.column1 = 86400000)
    AND v.column2 / s.column1 * s.column1 >= (SELECT since FROM email_guard_rollups_since)
  GROUP BY 1, 2, 3 HAVING sum(v.column3) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

-- A mark's key is never updated (0016's triggers delete and insert): only its time.
CREATE TRIGGER email_guard_rollups_marks_update AFTER UPDATE OF sent_at ON email_reputation_marks
WHEN old.sent_at IS NOT new.sent_at
BEGIN
  INSERT INTO email_guard_rollups (metric, span, start, count)
  SELECT new.kind || v.column1, s.column1, v.column2 / s.column1 * s.column1, sum(v.column3)
  FROM (VALUES
    ('_latest', max(old.sent_at, coalesce((SELECT max(sent_at) FROM email_reputation_marks WHERE kind = new.kind AND address = new.address AND email_id <> new.email_id), old.sent_at)), -1),
    ('_latest', (SELECT max(sent_at) FROM email_reputation_marks WHERE kind = new.kind AND address = new.address), 1),
    ('_days', CASE WHEN NOT EXISTS (SELECT 1 FROM email_reputation_marks WHERE kind = new.kind AND address = new.address AND email_id <> new.email_id
      AND sent_at >= old.sent_at / 86400000 * 86400000 AND sent_at < old.sent_at / 86400000 * 86400000 + 86400000) THEN old.sent_at END, -1),
    ('_days', CASE WHEN NOT EXISTS (SELECT 1 FROM email_reputation_marks WHERE kind = new.kind AND address = new.address AND email_id <> new.email_id
      AND sent_at >= new.sent_at / 86400000 * 86400000 AND sent_at < new.sent_at / 86400000 * 86400000 + 86400000) THEN new.sent_at END, 1)
  ) AS v CROSS JOIN (VALUES (3600000), (86400000)) AS s
  WHERE v.column2 IS NOT NULL AND (v.column1 = '_latest' OR s.column1 = 86400000)
    AND v.column2 / s.column1 * s.column1 >= (SELECT since FROM email_guard_rollups_since)
  GROUP BY 1, 2, 3 HAVING sum(v.column3) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;
