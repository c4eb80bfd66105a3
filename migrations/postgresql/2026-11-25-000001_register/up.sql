-- The register: organisations and the people and decisions they report on.
-- Portable types only (TEXT, BIGINT, INTEGER, BOOLEAN, DATE, TIMESTAMP) so that
-- one diesel schema serves SQLite and PostgreSQL. Timestamps are UTC.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    identity_number TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    ivo_permit BOOLEAN,
    f_tax BOOLEAN,
    internal_cutoff_day INTEGER NOT NULL DEFAULT 5,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE assistance_users (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    personnummer TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, personnummer)
);

CREATE TABLE decisions (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    hours_per_week_centi BIGINT NOT NULL,
    valid_from DATE NOT NULL,
    valid_to DATE,
    grant_period_months INTEGER NOT NULL,
    rate_kind TEXT NOT NULL,
    higher_rate_ore BIGINT,
    double_hours_per_week_centi BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_user ON decisions (assistance_user_id, valid_from);

CREATE TABLE assistants (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    personnummer TEXT NOT NULL,
    name TEXT NOT NULL,
    lives_in_eea BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (organisation_id, personnummer)
);
-- Cross-organisation overlap checks find the same person by number.
CREATE INDEX assistants_personnummer ON assistants (personnummer);

CREATE TABLE employments (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistant_id TEXT NOT NULL REFERENCES assistants (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    start_date DATE NOT NULL,
    end_date DATE,
    registered_with_fk_on DATE,
    shares_household BOOLEAN NOT NULL,
    working_time_rule TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX employments_assistant ON employments (assistant_id);
CREATE INDEX employments_user ON employments (assistance_user_id);

-- *Schablonbelopp* per calendar year, in öre per hour.
CREATE TABLE rates (
    year INTEGER PRIMARY KEY NOT NULL,
    ore_per_hour BIGINT NOT NULL,
    source TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO rates (year, ore_per_hour, source, updated_at) VALUES
    (2013, 27500, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2014, 28000, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2015, 28400, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2016, 28800, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2017, 29100, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2018, 29540, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2019, 29980, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2020, 30430, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2021, 31500, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2022, 31970, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2023, 32450, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00'),
    (2024, 33260, 'förordning (1993:1091) 5 §', '2026-11-25 00:00:00');

-- Append-only trail of who changed what.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    content_hash TEXT,
    reason TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Kept for schema parity with SQLite; PostgreSQL uses advisory locks.
CREATE TABLE write_lock (
    id INTEGER PRIMARY KEY NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO write_lock (id, n) VALUES (1, 0);
