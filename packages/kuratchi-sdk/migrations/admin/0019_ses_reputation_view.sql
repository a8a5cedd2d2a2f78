-- SES's own view of each organisation's tenant (issue 28): what GetReputationEntity or
-- ListReputationEntities last said, and the open findings of ListRecommendations, beside the
-- reputation guard's own state. A cache of what SES said, never our decision: sendEmail and the
-- guard keep their own state; this is what the dashboard and `kuratchi-ses reputation` show.
-- Times are epoch ms (UTC).
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_ReputationEntity.html
CREATE TABLE ses_reputation_views (
  organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
  -- The reputation entity's reference (the tenant's ARN).
  entity_arn TEXT NOT NULL,
  -- ReputationManagementPolicy (arn:…:aws:reputation-policy/none|standard|strict).
  policy TEXT,
  -- SendingStatusAggregate, AwsSesManagedStatus, CustomerManagedStatus: ENABLED, DISABLED,
  -- REINSTATED (kept as SES spells them; a value SES adds later is kept too).
  sending_status TEXT,
  aws_ses_status TEXT,
  aws_ses_cause TEXT,
  aws_ses_updated_at INTEGER,
  customer_status TEXT,
  customer_cause TEXT,
  customer_updated_at INTEGER,
  -- ReputationImpact: the highest impact of an open finding (HIGH, LOW), NULL: none.
  impact TEXT,
  -- The open findings (ListRecommendations, status OPEN) as a JSON array of
  -- {type, impact, description, createdAt, updatedAt}.
  findings TEXT NOT NULL DEFAULT '[]',
  -- When SES was last read for this row; NULL until the first successful read.
  read_at INTEGER,
  -- A re-read that is owed (a status event came and the re-read failed): the cron retries it
  -- every run until it succeeds; NULL: none owed. With the error of the last attempt.
  reread_due_at INTEGER,
  reread_error TEXT
) WITHOUT ROWID;

CREATE INDEX ses_reputation_views_reread ON ses_reputation_views (reread_due_at) WHERE reread_due_at IS NOT NULL;

-- The daily sweep of ListReputationEntities (one row): when it last completed (0: never) and with
-- how many tenants; due_since: a sweep is owed before the day is up (it failed, or a status event
-- named no known tenant), which the cron's next run does; error: the last failure's.
CREATE TABLE ses_reputation_sweeps (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  swept_at INTEGER NOT NULL,
  entities INTEGER NOT NULL,
  due_since INTEGER,
  error TEXT
);
