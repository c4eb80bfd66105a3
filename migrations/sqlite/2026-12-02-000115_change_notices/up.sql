-- Change notices (*ändringsanmälan*, issue 11 §3): a change FK must hear of
-- at the latest 14 days after it happened. `due_date` is computed when the
-- notice is written (occurred_on + 14 days, the deadline's weekday rule).
CREATE TABLE change_notices (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    kind TEXT NOT NULL,
    occurred_on DATE NOT NULL,
    due_date DATE NOT NULL,
    reported_to_fk_on DATE,
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX change_notices_user ON change_notices (assistance_user_id);
-- Reminders and the dashboard read the unreported notices by due date.
CREATE INDEX change_notices_open ON change_notices (organisation_id, reported_to_fk_on, due_date);
