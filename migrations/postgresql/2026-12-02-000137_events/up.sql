-- The event outbox (docs/integrations.md): one row per event, written in
-- the transaction of the change it describes. `seq` is the commit order:
-- it is taken from event_log_head, whose single row stays locked until the
-- writing transaction commits, so a later number is never visible before an
-- earlier one and a reader that pages by `seq` sees neither a gap nor a
-- duplicate, whatever the number of server instances.
CREATE TABLE event_log_head (
    id INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO event_log_head (id, last_seq) VALUES (1, 0);

CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX events_by_organisation ON events (organisation_id, seq);
