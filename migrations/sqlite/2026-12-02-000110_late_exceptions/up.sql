-- Exceptions FK granted for a month reported late (issue 11, the 2027 rule):
-- at most one per (organisation, assistance user, month).
CREATE TABLE late_exceptions (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    month TEXT NOT NULL,
    fk_reference TEXT NOT NULL,
    decided_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, assistance_user_id, month)
);
CREATE INDEX late_exceptions_month ON late_exceptions (month, organisation_id);
