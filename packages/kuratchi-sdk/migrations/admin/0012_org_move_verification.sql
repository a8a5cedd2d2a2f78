-- How far the copy of a moving organisation has been verified (issue 16, `kuratchi-ses org
-- migrate`): per table, the cursor of the last page found equal on both sides (same rows, same
-- SHA-256), pages in key order from the first; `complete` once the last page was. The switch to
-- the Durable Object requires every table complete; a copied page, a new start and an abort
-- forget the organisation's rows, so only a verification of the copy as it stands counts.
CREATE TABLE org_move_verification (
  organization_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  verified_through TEXT,
  complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
  PRIMARY KEY (organization_id, table_name)
);
