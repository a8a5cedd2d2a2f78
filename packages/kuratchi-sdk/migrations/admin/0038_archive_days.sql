-- An organisation's archive retention (issue 30): how long its raw SNS messages archived from now
-- on are kept. NULL keeps the deployment's KURATCHI_RETENTION_ARCHIVE_DAYS (R2 prefix `sns/`);
-- otherwise one of the archive's choices (`shared/archive-days.ts`), each an R2 lifecycle rule on
-- its own prefix (`sns-d<days>/`) that `kuratchi-ses deploy` creates. The route lookup reads it, so
-- the webhook and the queue consumer archive each message under its organisation's prefix.
-- https://developers.cloudflare.com/r2/buckets/object-lifecycles/
ALTER TABLE organization_retention ADD COLUMN archive_days INTEGER
  CHECK (archive_days IS NULL OR archive_days >= 1);
