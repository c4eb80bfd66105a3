-- API keys for integrations (docs/integrations.md). Only the SHA-256 of a
-- secret is stored; `prefix` (its first characters, unique) is what a
-- presented secret is looked up by. Keys are revoked, never deleted, so the
-- audit trail's `api_key:<id>` actors stay resolvable.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX api_keys_organisation ON api_keys (organisation_id, id);
