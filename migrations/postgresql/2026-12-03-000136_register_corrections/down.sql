ALTER TABLE time_report_versions DROP COLUMN void_reason;
ALTER TABLE time_report_versions DROP COLUMN voided_at;
ALTER TABLE idempotency_keys DROP COLUMN location;
