-- One organisation per D1 database (issue 31): two organisations on one D1 binding read each
-- other's mail. A D1 database belongs to the organisation that lives on it, or that lived on it
-- before its move to a Durable Object (`former_d1_binding`: that database is still its backup and
-- holds its mail). A Durable Object organisation's object is `idFromName(id)`, unique by the id.
--
-- If this migration stops at its first statement ("UNIQUE constraint failed"), organisations
-- already share a D1 database, and nothing was changed. List them:
--   SELECT database_binding, group_concat(id) FROM organizations
--    WHERE database_kind = 'd1' GROUP BY database_binding HAVING count(*) > 1;
-- Their mail is mixed in that database (its rows carry no organisation). Leave it to one of them;
-- bind a new, migrated D1 database for each other one and point its row there
-- (`UPDATE organizations SET database_binding = 'NEW_BINDING' WHERE id = '…'`), then apply
-- the migrations again. To reuse the binding of a moved organisation's deleted backup:
--   UPDATE organizations SET former_d1_binding = NULL WHERE id = '…';
CREATE UNIQUE INDEX organizations_shared_d1_check ON organizations (database_binding) WHERE database_kind = 'd1';
DROP INDEX organizations_shared_d1_check;

ALTER TABLE organizations ADD COLUMN former_d1_binding TEXT;

-- createOrganization answers a violation of this index as `binding-taken`.
CREATE UNIQUE INDEX organizations_one_per_d1_database ON organizations (
  CASE database_kind WHEN 'd1' THEN database_binding ELSE former_d1_binding END
);
