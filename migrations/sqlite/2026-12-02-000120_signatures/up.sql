-- Who may sign for whom (issue 12). Representatives act for an assistance
-- user: a guardian (*vårdnadshavare*) while the user is under 18, a trustee
-- (*god man*), an administrator (*förvaltare*) or an agent (*ombud*).
CREATE TABLE representatives (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    personnummer TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX representatives_user ON representatives (assistance_user_id);

-- The people who may sign for a provider (*firmatecknare* or authorised).
CREATE TABLE signatories (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    personnummer TEXT NOT NULL,
    name TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX signatories_org ON signatories (organisation_id, personnummer);

-- The canonical text a signer sees, frozen the first time it is rendered
-- for a version (and an assistant; '' for an invoice), so that the same
-- version always gives byte-identical text even if a name changes later.
CREATE TABLE sign_payloads (
    document TEXT NOT NULL,
    document_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    assistant_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    text TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (document, document_id, version, assistant_id)
);

-- Signatures over a time-report version, per assistant: the assistant
-- attests, the employer signs. Evidence is opaque base64, stored as sent.
CREATE TABLE time_report_signatures (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    report_id TEXT NOT NULL REFERENCES time_reports (id),
    version INTEGER NOT NULL,
    assistant_id TEXT NOT NULL REFERENCES assistants (id),
    role TEXT NOT NULL,
    signer_personnummer TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signer_capacity TEXT NOT NULL,
    method TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    payload_hash TEXT NOT NULL,
    evidence TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (report_id, version, assistant_id, role, signer_personnummer)
);

-- Signatures over an invoice version (*räkning*): the assistance user, or a
-- representative for them.
CREATE TABLE invoice_signatures (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    version INTEGER NOT NULL,
    role TEXT NOT NULL,
    signer_personnummer TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signer_capacity TEXT NOT NULL,
    method TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    payload_hash TEXT NOT NULL,
    evidence TEXT,
    recorded_at TIMESTAMP NOT NULL,
    recorded_by TEXT NOT NULL,
    UNIQUE (invoice_id, version, role, signer_personnummer)
);

-- Month close: one row per closing; a reopened row keeps who reopened it,
-- when and why. At most one closing per month is open (not reopened).
CREATE TABLE month_closures (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    month TEXT NOT NULL,
    time_report_id TEXT NOT NULL REFERENCES time_reports (id),
    time_report_version INTEGER NOT NULL,
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    invoice_version INTEGER NOT NULL,
    closed_at TIMESTAMP NOT NULL,
    closed_by TEXT NOT NULL,
    reopened_at TIMESTAMP,
    reopened_by TEXT,
    reopen_reason TEXT
);
CREATE UNIQUE INDEX month_closures_closed ON month_closures (organisation_id, assistance_user_id, month)
    WHERE reopened_at IS NULL;
CREATE INDEX month_closures_month ON month_closures (month, organisation_id);
