-- API keys (issue 29): an organisation's own software reads its emails and events and sends
-- through `/api/v1/` with `Authorization: Bearer <key>`. Only a SHA-256 of the key is kept (the
-- key is 256 random bits, so a fast hash is enough: there is nothing to brute-force); the key is
-- shown once, when it is created. The key names its row (`kuratchi_<id>_<secret>`), so the check
-- is one primary-key read and a constant-time comparison of the two hashes.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  -- Comma-separated, sorted: `read` or `read,send`.
  scopes TEXT NOT NULL,
  -- Hex SHA-256 of the whole key.
  key_hash TEXT NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  -- Written at most once a minute per key (never once per request).
  last_used_at INTEGER,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX api_keys_by_organization ON api_keys (organization_id, created_at);

-- `Idempotency-Key` of POST /api/v1/emails: the first answer to a key, kept 24 hours; the same key
-- with another body is refused. A row without an answer yet is a send in progress.
CREATE TABLE api_idempotency (
  api_key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  idempotency_key TEXT NOT NULL,
  -- Hex SHA-256 of the request body.
  request_hash TEXT NOT NULL,
  status INTEGER,
  body TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (api_key_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX api_idempotency_by_created ON api_idempotency (created_at);

-- Requests per key and fixed window (the rate limit), for windows still current; older rows are
-- deleted by the cron.
CREATE TABLE api_rate_windows (
  api_key_id TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (api_key_id, window_start)
) WITHOUT ROWID;
