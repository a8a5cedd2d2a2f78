-- Sign-in throttling with increasing delays, per (address, client) and per client, reserved
-- atomically before the password is checked (the dashboard's auth/sign-in-throttle.ts).
-- Keys: 'pair:<client> <address>' (one address from one client: guessing one password) and
-- 'client:<client>' (every address from one client: spraying). A client is the connecting IP
-- address, an IPv6 one by its /64 network, or 'unknown'.
-- `failures` counts attempts since the row was last reset: each is counted when it is reserved,
-- before the password check, and given back (client) or cleared (pair) by a successful sign-in.
-- `last_attempt_at` (epoch milliseconds, UTC) is when the last one was reserved; a row idle for
-- the throttle's memory (24 hours) counts as empty and is purged by the scheduled maintenance.
--
-- Replaces sign_in_failures, which the dashboard no longer reads or writes. That table stays in
-- place so that a Worker of the previous version keeps signing people in until the new one is
-- deployed; a later migration can drop it.
CREATE TABLE sign_in_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_attempt_at INTEGER NOT NULL
) WITHOUT ROWID;

-- For the purges (auth/maintenance.ts): idle throttle rows and expired sessions.
CREATE INDEX sign_in_throttle_by_last_attempt ON sign_in_throttle (last_attempt_at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
