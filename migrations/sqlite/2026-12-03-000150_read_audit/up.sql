-- Issue 15: reads are audited too. A read entry names the request it
-- answered and, for a list or an export, the ids it returned (comma
-- separated, in one entry per request).
ALTER TABLE audit_log ADD COLUMN request_id TEXT;
ALTER TABLE audit_log ADD COLUMN subject_ids TEXT;
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_org_at ON audit_log (organisation_id, at);
CREATE INDEX audit_log_actor_at ON audit_log (actor, at);
