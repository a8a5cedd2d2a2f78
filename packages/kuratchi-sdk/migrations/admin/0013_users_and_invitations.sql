-- Users without SQL (issue 27): a superadmin created by `kuratchi-ses user create --superadmin`
-- before any organisation exists, admins invited with a one-time link to set their password.
--
-- users: `organization_id` may now be NULL, for a superadmin only (they look at any
-- organisation); `password_hash` may be NULL: invited, no password set yet (cannot sign in).
-- sessions: `active_organization_id` may be NULL: a superadmin's session before they pick an
-- organisation (the dashboard shows the first one, or only the Organisations page while there is
-- none).
-- SQLite cannot change a column's constraints in place: both tables are rebuilt, with their rows
-- and their columns in the same order. `sessions` goes first (it references `users`, whose drop
-- would otherwise delete its rows through ON DELETE CASCADE) and comes back with its rows.
-- https://www.sqlite.org/lang_altertable.html#otheralter
CREATE TABLE sessions_0013 AS SELECT * FROM sessions;
DROP TABLE sessions;

CREATE TABLE users_0013 (
  id TEXT PRIMARY KEY,
  -- Lower-cased.
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  organization_id TEXT REFERENCES organizations (id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'superadmin')),
  -- pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>; NULL until the user sets one.
  password_hash TEXT,
  created_at INTEGER NOT NULL,
  CHECK (role = 'superadmin' OR organization_id IS NOT NULL)
);
INSERT INTO users_0013 (id, email, name, organization_id, role, password_hash, created_at)
  SELECT id, email, name, organization_id, role, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_0013 RENAME TO users;
CREATE INDEX users_by_organization ON users (organization_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  active_organization_id TEXT REFERENCES organizations (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sessions (token_hash, user_id, active_organization_id, created_at, expires_at)
  SELECT token_hash, user_id, active_organization_id, created_at, expires_at FROM sessions_0013;
DROP TABLE sessions_0013;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One-time links to set a password (the dashboard's users/password-links.ts): an invitation of a
-- new user, or a reset a superadmin made. Only the SHA-256 of the link's token is stored. A link
-- works once (`used_at`), until `expires_at`; issuing a new one for a user deletes their others.
-- Rows are purged a lifetime after they expire (auth/maintenance.ts), so that an old link still
-- answers "expired" or "used" rather than "unknown" meanwhile.
CREATE TABLE password_links (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
  -- Who issued it: a superadmin's email address, or 'ops-token' (the operations API).
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
) WITHOUT ROWID;
CREATE INDEX password_links_by_user ON password_links (user_id);
CREATE INDEX password_links_by_expiry ON password_links (expires_at);
