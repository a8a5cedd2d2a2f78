-- Where each organisation's database lives (issue 16): a D1 database bound to the Worker
-- (`database_kind = 'd1'`, `database_binding` names the D1 binding, as before), or a SQLite-backed
-- Durable Object (`database_kind = 'durable-object'`, `database_binding` names the Durable Object
-- namespace binding; the object is `idFromName(id)`), which needs no wrangler.toml change per
-- organisation.
-- `moving_since`: set while `kuratchi-ses org migrate` copies the organisation from D1 to its
-- object (epoch ms); events for it are queued (retried) until the switch, and its database is
-- refused to every other caller meanwhile. NULL otherwise.
ALTER TABLE organizations ADD COLUMN database_kind TEXT NOT NULL DEFAULT 'd1'
  CHECK (database_kind IN ('d1', 'durable-object'));
ALTER TABLE organizations ADD COLUMN moving_since INTEGER;
