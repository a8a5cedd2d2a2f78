-- One SES tenant per organisation (KURATCHI_SES_TENANTS=on; kuratchi-sdk/internal/tenants): the
-- tenant, each resource associated with it, and every SES call still to make. Nothing here is
-- lost: a call that failed stays pending, with its error and the time of its next attempt, and the
-- cron retries it with backoff. Times are epoch ms (UTC).
-- https://docs.aws.amazon.com/ses/latest/dg/tenants.html

-- One row per organisation with a tenant. No foreign key to organizations: a removed
-- organisation's row stays, `delete-pending`, until DeleteTenant succeeded.
CREATE TABLE ses_tenants (
  organization_id TEXT PRIMARY KEY,
  -- sesTenantName(organization_id): the organisation's id.
  tenant_name TEXT NOT NULL UNIQUE,
  -- From CreateTenant (or GetTenant when it already existed); its account, partition and region
  -- place the ARNs of the resources associated with it.
  tenant_arn TEXT,
  -- create-pending: CreateTenant still to succeed; created; delete-pending: DeleteTenant still to succeed.
  state TEXT NOT NULL CHECK (state IN ('create-pending', 'created', 'delete-pending')),
  -- SES's sending status of the tenant as last read (ENABLED, REINSTATED, DISABLED), whoever set it.
  sending_status TEXT CHECK (sending_status IN ('ENABLED', 'REINSTATED', 'DISABLED')),
  -- The reputation guard's customer-managed status still to set at SES (its pause: DISABLED, its
  -- lift: REINSTATED); NULL: nothing to do.
  customer_status_pending TEXT CHECK (customer_status_pending IN ('DISABLED', 'REINSTATED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Each resource associated with an organisation's tenant (its configuration sets and sending
-- identities), by kind and name: its ARN is placed by the tenant's ARN.
CREATE TABLE ses_tenant_resources (
  organization_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('configuration-set', 'identity')),
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'associated')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (organization_id, kind, name)
) WITHOUT ROWID;

-- The cron's page of work that is due.
CREATE INDEX ses_tenants_due ON ses_tenants (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX ses_tenant_resources_due ON ses_tenant_resources (next_attempt_at) WHERE state = 'pending';
