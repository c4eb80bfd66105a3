-- Monthly time reports (*tidsredovisning*): one report per (organisation,
-- assistance user, month), immutable versions, their rows.
CREATE TABLE time_reports (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    month TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, assistance_user_id, month)
);
CREATE INDEX time_reports_month ON time_reports (organisation_id, month);

CREATE TABLE time_report_versions (
    id TEXT PRIMARY KEY NOT NULL,
    report_id TEXT NOT NULL REFERENCES time_reports (id),
    version INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    correction_reason TEXT,
    content_hash TEXT NOT NULL,
    due_date DATE NOT NULL,
    internal_due_date DATE NOT NULL,
    on_time BOOLEAN NOT NULL,
    row_count INTEGER NOT NULL,
    active_minutes BIGINT NOT NULL,
    waiting_minutes BIGINT NOT NULL,
    standby_minutes BIGINT NOT NULL,
    payable_units BIGINT NOT NULL,
    not_payable_units BIGINT NOT NULL,
    warnings TEXT NOT NULL,
    UNIQUE (report_id, version)
);

CREATE TABLE time_report_rows (
    version_id TEXT NOT NULL REFERENCES time_report_versions (id),
    row_index INTEGER NOT NULL,
    assistant_id TEXT NOT NULL REFERENCES assistants (id),
    work_date DATE NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    kind TEXT NOT NULL,
    is_double BOOLEAN NOT NULL,
    hospital BOOLEAN NOT NULL,
    start_utc TIMESTAMP NOT NULL,
    end_utc TIMESTAMP NOT NULL,
    minutes BIGINT NOT NULL,
    payable BOOLEAN NOT NULL,
    PRIMARY KEY (version_id, row_index)
);
-- Overlap checks: an assistant's shifts by time.
CREATE INDEX time_report_rows_assistant ON time_report_rows (assistant_id, start_utc);

-- Replays of requests sent with an Idempotency-Key.
CREATE TABLE idempotency_keys (
    organisation_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, scope, idempotency_key)
);
