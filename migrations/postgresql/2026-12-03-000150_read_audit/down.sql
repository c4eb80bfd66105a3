DROP INDEX audit_log_actor_at;
DROP INDEX audit_log_org_at;
DROP INDEX audit_log_at;
ALTER TABLE audit_log DROP COLUMN subject_ids;
ALTER TABLE audit_log DROP COLUMN request_id;
