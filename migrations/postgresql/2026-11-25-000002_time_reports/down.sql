DROP TABLE idempotency_keys;
DROP TABLE time_report_rows;
DROP TABLE time_report_versions;
DROP TABLE time_reports;
