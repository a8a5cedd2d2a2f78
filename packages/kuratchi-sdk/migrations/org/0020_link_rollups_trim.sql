-- Link rollups past the events retention (issue 30): the daily rollups' `link_human` and
-- `link_machine` (0011) have a row per link clicked per day, so per-recipient or tokenised links
-- would keep a row per click for ever. The retention purge (retention/link-rollups.ts) keeps, of
-- each day before both the events cutoff and the overview's period, the top links of each metric
-- only. `before_day`: the days before it are done (a UTC day number, as `email_rollups.day`).
-- Not copied by an organisation's move: the target starts at 0 and checks those days again
-- (deleting nothing more).
CREATE TABLE email_rollups_links_trimmed (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  before_day INTEGER NOT NULL
);
INSERT INTO email_rollups_links_trimmed (id, before_day) VALUES (1, 0);
