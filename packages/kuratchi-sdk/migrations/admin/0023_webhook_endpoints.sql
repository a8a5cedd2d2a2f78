-- Signed outbound webhooks (issue 29): the endpoints an organisation's admin registers, each with
-- the event types it wants and its Standard Webhooks signing secret. In the admin database, not
-- the organisation's: the queue consumer reads the endpoints of every organisation in a batch with
-- one query, the dashboard's alerts read them across organisations, and an organisation's database
-- may be a Durable Object being moved. https://www.standardwebhooks.com/
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (id),
  -- https, or http://127.0.0.1 in development (webhooks/endpoint-url.ts).
  url TEXT NOT NULL,
  -- JSON array of webhook event types (`email.delivered`, `email.bounced`…: webhooks/event-types.ts).
  event_types TEXT NOT NULL,
  -- `whsec_` + base64 of 32 random bytes; signs every delivery.
  secret TEXT NOT NULL,
  -- The secret before the last rotation, still signing (beside `secret`) until its expiry.
  previous_secret TEXT,
  previous_secret_expires_at INTEGER,
  -- NULL: enabled; else why it was disabled (`failing`: failed for days; `gone`: answered 410).
  disabled_reason TEXT CHECK (disabled_reason IN ('failing', 'gone')),
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id);
