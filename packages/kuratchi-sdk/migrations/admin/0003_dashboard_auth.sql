-- Dashboard sign-in: users (each belongs to one organisation; a superadmin may switch), their
-- sessions (only a SHA-256 of the session token is stored) and failed sign-in attempts for rate
-- limiting. Times are epoch milliseconds (UTC).
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  -- Lower-cased.
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  role TEXT NOT NULL CHECK (role IN ('admin', 'superadmin')),
  -- pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  active_organization_id TEXT NOT NULL REFERENCES organizations (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-ins per key ('email:<address>' or 'ip:<address>') in the current window.
CREATE TABLE sign_in_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_started_at INTEGER NOT NULL
) WITHOUT ROWID;
