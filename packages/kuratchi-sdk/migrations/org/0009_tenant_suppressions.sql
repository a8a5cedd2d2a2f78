-- Tenant-scoped suppression (issue 28): with KURATCHI_SES_TENANTS=on the organisation's list and
-- its SES tenant's list agree. Triggers queue each change of ours for SES (a row per address,
-- the latest change wins); the cron pushes the queue and pulls SES's list (send/tenant-sync.ts).
-- https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-tenant-level-manage.html

-- The address as SES's tenant list spells it (SES keeps case, and its calls need that case), and
-- when it was last seen on (or put on) that list; NULL while SES has not got it from us.
ALTER TABLE email_suppressions ADD COLUMN ses_address TEXT;
ALTER TABLE email_suppressions ADD COLUMN ses_seen_at INTEGER;

-- Changes not yet made at SES: `put` (we suppressed it) or `delete` (we removed it).
CREATE TABLE ses_suppression_changes (
  email_address TEXT PRIMARY KEY,
  ses_address TEXT NOT NULL,
  change TEXT NOT NULL CHECK (change IN ('put', 'delete')),
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_attempt_at INTEGER
) WITHOUT ROWID;

-- The pull of SES's list: one pass reads every page (a few per cron run, resumable by its token);
-- an address seen before the pass began and not seen in it was removed at SES.
CREATE TABLE ses_suppression_sync (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pass_started_at INTEGER,
  next_token TEXT,
  last_pass_at INTEGER,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_error_at INTEGER
);

-- A suppression SES has not got: queue a put (replacing a pending delete). INSERT OR IGNORE
-- keeps a copied queue row as it is (organizations/org-copy.ts copies this table first).
-- (Statements inside a trigger end mid-line: scripts/d1-migration-files.mjs splits at a `;`
-- that ends a line.)
CREATE TRIGGER ses_suppression_put AFTER INSERT ON email_suppressions
WHEN new.ses_seen_at IS NULL AND coalesce(new.detail, '') NOT LIKE 'OnTenantSuppressionList%'
BEGIN
  DELETE FROM ses_suppression_changes WHERE email_address = new.email_address AND change = 'delete'; INSERT OR IGNORE
  INTO ses_suppression_changes (email_address, ses_address, change, reason)
  VALUES (new.email_address, new.email_address, 'put', new.reason); END;

-- A bounce because the address is on the tenant's list: SES has it already.
CREATE TRIGGER ses_suppression_seen AFTER INSERT ON email_suppressions
WHEN new.ses_seen_at IS NULL AND new.detail LIKE 'OnTenantSuppressionList%'
BEGIN
  UPDATE email_suppressions SET ses_seen_at = new.created_at, ses_address = new.email_address
  WHERE email_address = new.email_address; END;

-- A removal: queue a delete of the address as SES spells it.
CREATE TRIGGER ses_suppression_delete AFTER DELETE ON email_suppressions
BEGIN
  INSERT OR REPLACE INTO ses_suppression_changes (email_address, ses_address, change, reason)
  VALUES (old.email_address, coalesce(old.ses_address, old.email_address), 'delete', old.reason); END;

-- The list so far goes to SES once tenants are on.
INSERT INTO ses_suppression_changes (email_address, ses_address, change, reason)
SELECT email_address, email_address, 'put', reason FROM email_suppressions WHERE true;
