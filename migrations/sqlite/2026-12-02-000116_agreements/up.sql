-- Agreements between an assistance user and the provider (*avtal*, issue 11
-- §4): the user who buys assistance sends FK the agreement and says who FK
-- pays (form 3079). Without one, FK pays the provider nothing.
CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    assistance_user_id TEXT NOT NULL REFERENCES assistance_users (id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    payee TEXT NOT NULL,
    sent_to_fk_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX agreements_user ON agreements (organisation_id, assistance_user_id);
