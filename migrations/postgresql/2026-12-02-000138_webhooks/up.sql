-- Webhooks (docs/integrations.md, "Webhooks"): where an organisation's
-- events are delivered, and each delivery's attempts.
--
-- `secret` is kept as it was issued: the server signs every delivery with
-- it, so it must be recoverable (why it is not encrypted is in
-- docs/integrations.md, "How webhook secrets are stored").
-- `cursor_seq` is the last event (events.seq) the webhook has dealt with:
-- delivered, given up, or not one of its types. `lease_owner`/`lease_until`
-- let one worker of several instances claim the webhook while it delivers.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    cursor_seq BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TIMESTAMP
);
CREATE INDEX webhooks_by_organisation ON webhooks (organisation_id, id);

-- One row per (webhook, event) the webhook was to receive. `status` is
-- `pending` (to be tried at `next_attempt_at`), `delivered` or `failed`
-- (given up). A webhook has at most one pending delivery: later events wait
-- for it, which keeps deliveries in commit order.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL REFERENCES events (seq),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    first_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMP,
    delivered_at TIMESTAMP,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
