-- The reputation guard's marks (issue 30): one row per recipient that bounced permanently or
-- complained (`kind`), with its address and the time its message was sent, canary emails left
-- out (shared/reputation-marks-sql.ts says when a recipient is marked). The guard counts the
-- distinct bounced and complaining addresses of its window from here, and the recipients from the
-- daily rollups (0011), so its cost follows days and bounces, not emails. Bounces are a few
-- percent of recipients, so the table stays small; the guard's cron deletes the marks older than
-- the longest window it accepts (90 days), and nothing else deletes them: they outlive
-- retention's purge of the emails. Decision: docs/decisions/2026-12-07-guard-reads-rollups.md.
--
-- Kept by the triggers below in the statement that changes a recipient row, so every writer keeps
-- them. An UPDATE replaces the row's marks by what the new row says (a recipient no longer
-- bounced loses its mark). Marks are a set (the key is the recipient's row and the kind), so a
-- row marked twice (trigger, backfill) is marked once.
-- https://www.sqlite.org/lang_createtrigger.html
-- https://www.sqlite.org/lang_upsert.html
CREATE TABLE email_reputation_marks (
  email_id TEXT NOT NULL,
  address TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('bounced', 'complained')),
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (email_id, address, kind)
) WITHOUT ROWID;
-- The guard's window: one range per kind, the address read from the index (it holds the key).
CREATE INDEX email_reputation_marks_by_sent ON email_reputation_marks (kind, sent_at);

-- The recipients of the emails that were here before this migration are marked by the cron's
-- `rollup-backfill` job (routing/rollup-backfill.ts), 1,000 emails a slice: the emails whose rowid
-- is in (cursor, high_water]. While this row is there the guard counts bounces from the raw rows
-- as before, the purge waits and a move is refused.
CREATE TABLE email_reputation_marks_backfill (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  high_water INTEGER NOT NULL,
  cursor INTEGER NOT NULL
);
INSERT INTO email_reputation_marks_backfill (id, high_water, cursor)
SELECT 1, m, 0 FROM (SELECT max(rowid) AS m FROM emails) WHERE m IS NOT NULL;

CREATE TRIGGER email_reputation_marks_insert AFTER INSERT ON email_recipients
WHEN new.sent_at IS NOT NULL
  AND (new.complained_at IS NOT NULL OR (new.bounced_at IS NOT NULL AND coalesce(new.bounce_type, 'Permanent') = 'Permanent'))
  AND EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND canary = 0)
BEGIN
  INSERT INTO email_reputation_marks (email_id, address, kind, sent_at)
  SELECT new.email_id, new.address, 'bounced', new.sent_at
  WHERE new.bounced_at IS NOT NULL AND coalesce(new.bounce_type, 'Permanent') = 'Permanent'
  ON CONFLICT DO UPDATE SET sent_at = excluded.sent_at; INSERT INTO email_reputation_marks (email_id, address, kind, sent_at)
  SELECT new.email_id, new.address, 'complained', new.sent_at WHERE new.complained_at IS NOT NULL
  ON CONFLICT DO UPDATE SET sent_at = excluded.sent_at; END;

CREATE TRIGGER email_reputation_marks_update AFTER UPDATE OF email_id, address, sent_at, bounced_at, bounce_type, complained_at ON email_recipients
WHEN (old.sent_at IS NOT NULL AND (old.complained_at IS NOT NULL OR old.bounced_at IS NOT NULL))
  OR (new.sent_at IS NOT NULL AND (new.complained_at IS NOT NULL OR new.bounced_at IS NOT NULL))
BEGIN
  DELETE FROM email_reputation_marks WHERE email_id = old.email_id AND address = old.address; INSERT INTO email_reputation_marks (email_id, address, kind, sent_at)
  SELECT new.email_id, new.address, 'bounced', new.sent_at
  WHERE new.sent_at IS NOT NULL AND new.bounced_at IS NOT NULL AND coalesce(new.bounce_type, 'Permanent') = 'Permanent'
    AND EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND canary = 0)
  ON CONFLICT DO UPDATE SET sent_at = excluded.sent_at; INSERT INTO email_reputation_marks (email_id, address, kind, sent_at)
  SELECT new.email_id, new.address, 'complained', new.sent_at
  WHERE new.sent_at IS NOT NULL AND new.complained_at IS NOT NULL
    AND EXISTS (SELECT 1 FROM emails WHERE id = new.email_id AND canary = 0)
  ON CONFLICT DO UPDATE SET sent_at = excluded.sent_at; END;
