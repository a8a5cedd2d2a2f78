-- The number of the latest call the reputation guard made (or meant to make) to the
-- organisation's own configuration set at SES: each call takes the next one before it is made.
-- A call that ends while its number is still the latest records its outcome; one that ends after
-- another was started (a cron retry of a pause still in flight while a superadmin lifts it) may
-- have reached SES last, so it makes the state's wish (paused: disabled, else enabled) pending
-- again, and the next evaluation sets it once more.
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
ALTER TABLE reputation_guard_state ADD COLUMN configuration_set_call INTEGER NOT NULL DEFAULT 0;
