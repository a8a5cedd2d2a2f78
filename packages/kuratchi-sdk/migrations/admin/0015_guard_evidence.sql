-- The reputation guard's evidence (issue 31, item 1).

-- An organisation's own configuration set is its own: a pause disables sending on it at SES, so a
-- set two organisations named would let one's pause stop the other. One organisation per name,
-- case-insensitively (the conservative reading of SES's names). A name two organisations already
-- share belongs to neither: those rows are removed here (re-record the right one; the guard still
-- pauses both organisations in sendEmail, only not at SES).
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
DELETE FROM organization_configuration_sets
WHERE lower(configuration_set_name) IN (
  SELECT lower(configuration_set_name) FROM organization_configuration_sets
  GROUP BY lower(configuration_set_name) HAVING count(*) > 1
);
CREATE UNIQUE INDEX organization_configuration_sets_by_name
  ON organization_configuration_sets (configuration_set_name COLLATE NOCASE);

-- The last evaluation's distinct addresses that bounced permanently and complained, beside the
-- rates: the verdict ("no verdict yet", and how much more is needed) is computed from them.
-- Rows evaluated before this migration get the counts their rates imply until the next run.
ALTER TABLE reputation_guard_state ADD COLUMN bounced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reputation_guard_state ADD COLUMN complained INTEGER NOT NULL DEFAULT 0;
UPDATE reputation_guard_state
SET bounced = CAST(round(coalesce(bounce_rate, 0) * recipients) AS INTEGER),
    complained = CAST(round(coalesce(complaint_rate, 0) * recipients) AS INTEGER);
