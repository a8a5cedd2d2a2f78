-- The number of the latest call the reputation guard made (or wish it recorded) to set an
-- organisation's sending at SES: its own configuration set's (reputation_guard_state) and its SES
-- tenant's customer-managed status (ses_tenants). Each call takes the next number before it is
-- made. A call that ends while its number is still the latest, and what it set still the wish,
-- records its outcome; one that ends after another was started (a cron retry of a pause still in
-- flight while a superadmin lifts it) may have reached SES last, so it makes the latest wish pending
-- again, and the cron sets it once more (0035 compared only the wish, so a call recorded after a
-- later one had recorded its own could still clear it). The rule: shared/latest-call-sql.ts.
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_PutConfigurationSetSendingOptions.html
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
ALTER TABLE reputation_guard_state ADD COLUMN configuration_set_call INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ses_tenants ADD COLUMN customer_status_call INTEGER NOT NULL DEFAULT 0;
