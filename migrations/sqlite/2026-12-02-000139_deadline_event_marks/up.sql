-- deadline.approaching (docs/integrations.md): one row per reminder item and
-- Stockholm day for which the event was recorded, written in the event's own
-- transaction, so the event is recorded once a day per item whatever the
-- number of instances. Rows of past days are pruned by the emitter.
CREATE TABLE deadline_event_marks (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    item TEXT NOT NULL,
    day DATE NOT NULL,
    PRIMARY KEY (organisation_id, item, day)
);
