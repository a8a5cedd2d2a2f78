-- The rows of an organisation's big tables and its oldest event are counted once a day, its size
-- every 6 hours: `count(*)` and `min(occurred_at)` read every row (D1 bills rows read), which at 10M
-- emails is about 60M rows a measurement, while the size is one call that reads none. The counts
-- and the oldest event keep the time they were taken; existing ones were taken with the size.
-- https://developers.cloudflare.com/d1/platform/pricing/
ALTER TABLE organization_storage ADD COLUMN rows_measured_at INTEGER;
UPDATE organization_storage SET rows_measured_at = measured_at WHERE emails IS NOT NULL;
