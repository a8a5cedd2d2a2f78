-- The reputation guard's latest wish for a tenant's customer-managed status, kept once it is set
-- at SES (customer_status_pending is cleared then). A call to SES that lands after a later wish's
-- own call (a cron retry of a pause still in flight while a superadmin lifts it) would leave SES
-- with the older status; the call's completion compares what it set with this wish and, when
-- they differ, makes the wish pending again, so the cron sets it once more.
-- https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_UpdateReputationEntityCustomerManagedStatus.html
ALTER TABLE ses_tenants ADD COLUMN customer_status TEXT CHECK (customer_status IN ('DISABLED', 'REINSTATED'));
UPDATE ses_tenants SET customer_status = customer_status_pending WHERE customer_status_pending IS NOT NULL;
