DROP INDEX decisions_organisation;
DROP INDEX time_reports_by_month;
ALTER TABLE employments DROP COLUMN working_time_reference_days;
ALTER TABLE employments DROP COLUMN working_time_limit_centi;
ALTER TABLE time_report_versions DROP COLUMN warning_counts;
DROP TABLE time_report_days;
