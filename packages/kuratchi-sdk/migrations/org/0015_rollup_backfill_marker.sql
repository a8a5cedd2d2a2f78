-- The marker of the rollup backfill (0011_daily_rollups.sql, which says what it is), for the
-- databases that ran 0011 before it had one: their rows were counted by 0011 itself, so the
-- table stays empty and the `rollup-backfill` job has nothing to do there.
CREATE TABLE IF NOT EXISTS email_rollups_backfill (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  high_water INTEGER NOT NULL,
  cursor INTEGER NOT NULL
);
