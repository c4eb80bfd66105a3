-- Invoices (*räkning*, FK form 3057): one invoice per (organisation,
-- assistance user, month), immutable versions. Money in öre, payable time in
-- 1/28 minute (see src/domain/quantity.rs); JSON columns are snapshots.
CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    month TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, assistance_user_id, month)
);
CREATE INDEX invoices_month ON invoices (organisation_id, month);

CREATE TABLE invoice_versions (
    id TEXT PRIMARY KEY NOT NULL,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    version INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    submitted_by TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    due_date DATE NOT NULL,
    internal_due_date DATE NOT NULL,
    on_time BOOLEAN NOT NULL,
    invoice_number TEXT,
    -- The time-report version the figures were computed from.
    time_report_id TEXT NOT NULL REFERENCES time_reports (id),
    time_report_version INTEGER NOT NULL,
    -- Claimed: payable hours (hundredths), rate (öre/h, null with several
    -- rates), amount (öre).
    payable_hundredths BIGINT NOT NULL,
    sek_per_hour_ore BIGINT,
    amount_ore BIGINT NOT NULL,
    -- Computed amount (a self-employer may claim less).
    computed_amount_ore BIGINT NOT NULL,
    -- JSON: costs (self-employers) or null; hospital days; lines; summary
    -- the status is checked against; grant periods and warnings as flagged.
    costs TEXT,
    hospital_days TEXT NOT NULL,
    lines TEXT NOT NULL,
    summary TEXT NOT NULL,
    basis_token TEXT NOT NULL,
    grant_periods TEXT NOT NULL,
    warnings TEXT NOT NULL,
    UNIQUE (invoice_id, version)
);

-- Employment documents: the bytes once per SHA-256, and what was uploaded
-- for which employment.
CREATE TABLE document_blobs (
    sha256 TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE employment_documents (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    employment_id TEXT NOT NULL REFERENCES employments (id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES document_blobs (sha256),
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    filename TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (employment_id, kind, sha256)
);
CREATE INDEX employment_documents_org ON employment_documents (organisation_id, employment_id);
