-- The reputation guard's counts by hour and of addresses, so that one evaluation reads rows in
-- proportion to the days and hours of its window, not to the organisation's volume or bounces
-- (decision: docs/decisions/2026-12-07-guard-reads-rollups.md).
--
-- `email_guard_rollups`: one row per (metric, span, start) with its count; `span` is the bucket's
-- length in ms (3,600,000: a UTC hour; 86,400,000: a UTC day), `start` its first ms. Metrics:
--   recipients_sent (hours): the recipient rows sent in the hour, as 0011's daily metric counts
--     them (canary emails left out);
--   bounced_latest, complained_latest (hours and days): the addresses whose latest mark
--     (`email_reputation_marks`, 0016) of that kind was sent in the bucket;
--   bounced_days, complained_days (days): the addresses with a mark of that kind sent that day.
-- Kept by the triggers below in the statement that changes a recipient row or a mark; a DELETE of
-- a recipient row changes nothing (retention's purge), a mark's does (the marks' own purge).
--
-- `email_guard_rollups_since`: the buckets are exact from `since` on; nothing is counted in a bucket
-- that starts before it. A database that had recipients starts after the last of them (the hour
-- after the newest `sent_at`): the guard reads as before until its window starts there. The
-- retention purge moves it forward as it deletes old buckets, so that a move's copy (whose
-- triggers count the copied rows) counts no bucket that the source deleted.
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
  since INTEGER NOT NULL
);
INSERT INTO email_guard_rollups_since (id, since)
SELECT 1, coalesce((max(m) / 3600000 + 1) * 3600000, 0) FROM (
  SELECT max(sent_at) AS m FROM email_recipients
  UNION ALL SELECT max(sent_at) FROM email_reputation_marks WHERE kind = 'bounced'
  UNION ALL SELECT max(sent_at) FROM email_reputation_marks WHERE kind = 'complained');

-- An address's marks of a kind, by time: its latest one, and its others on a day.
CREATE INDEX email_reputation_marks_by_address ON email_reputation_marks (kind, address, sent_at);

CREATE TRIGGER email_guard_rollups_recipients_insert AFTER INSERT ON email_recipients
WHEN new.sent_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND canary = 1)
BEGIN
  INSERT INTO email_guard_rollups (metric, span, start, count)
  SELECT 'recipients_sent', 3600000, new.sent_at / 3600000 * 3600000, 1
  WHERE new.sent_at / 3600000 * 3600000 >= (SELECT since FROM email_guard_rollups_since)
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

CREATE TRIGGER email_guard_rollups_recipients_update AFTER UPDATE OF sent_at ON email_recipients
WHEN old.sent_at IS NOT new.sent_at AND NOT EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND canary = 1)
BEGIN
  INSERT INTO email_guard_rollups (metric, span, start, count)
  SELECT 'recipients_sent', 3600000, v.column1 / 3600000 * 3600000, sum(v.column2)
  FROM (VALUES (old.sent_at + 0, -1), (new.sent_at + 0, 1)) AS v
  WHERE v.column1 IS NOT NULL AND v.column1 / 3600000 * 3600000 >= (SELECT since FROM email_guard_rollups_since)
  GROUP BY 3 HAVING sum(v.column2) <> 0
  ON CONFLICT DO UPDATE SET count = count + excluded.count; END;

-- (A VALUES row's bare column would name its column: `+ 0` keeps `column1`.)
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
