-- The lag histogram (events/lag-histogram.ts): per UTC minute (epoch ms of its start) and lag
-- bucket, how many events were applied with that lag (SNS Timestamp to applied). The health panel
-- reads p50 and p99 of the last hour; the scheduled purge drops minutes older than a day.
CREATE TABLE ingestion_lag (
  minute INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (minute, bucket)
) WITHOUT ROWID;
