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
  -- Time of the first failed attempt since the last delivered one; NULL while deliveries succeed.
  failing_since INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_organization ON webhook_endpoints (organization_id);

-- One row per event per endpoint (`webhook_id` is the event's content identity): its body (for
-- retries and replays) and its last attempt. Bounded: the queue consumer keeps the last 100 rows
-- of each endpoint it delivers to (webhooks/d1-webhook-deliveries.ts).
CREATE TABLE webhook_deliveries (
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  webhook_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  -- pending: an attempt is due; delivered: 2xx; failed: every attempt failed; stopped: 410 Gone.
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'stopped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  -- The last attempt's HTTP status (NULL: no answer: timeout, connection refused) and duration.
  answer_status INTEGER,
  latency_ms INTEGER,
  created_at INTEGER NOT NULL,
  last_attempt_at INTEGER,
  PRIMARY KEY (endpoint_id, webhook_id)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (endpoint_id, created_at);
