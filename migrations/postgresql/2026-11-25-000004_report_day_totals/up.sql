-- Totals per report version, assistant and day, written with the version so
-- that balances and dashboards never rescan time-report rows.
CREATE TABLE time_report_days (
    version_id TEXT NOT NULL REFERENCES time_report_versions (id),
    assistant_id TEXT NOT NULL REFERENCES assistants (id),
    work_date DATE NOT NULL,
    -- Converted time in 1/28 minute (see src/domain/quantity.rs).
    payable_units BIGINT NOT NULL,
    not_payable_units BIGINT NOT NULL,
    double_units BIGINT NOT NULL,
    -- Active + waiting minutes (working time; standby excluded).
    working_minutes BIGINT NOT NULL,
    PRIMARY KEY (version_id, assistant_id, work_date)
);
CREATE INDEX time_report_days_assistant ON time_report_days (assistant_id, work_date);

-- Warning counts by code, JSON object, for the dashboard.
ALTER TABLE time_report_versions ADD COLUMN warning_counts TEXT NOT NULL DEFAULT '{}';

-- Per-employment working-time limit; null = the default of the employment's
-- working-time rule (see WorkingTimeRule::limit).
ALTER TABLE employments ADD COLUMN working_time_limit_centi BIGINT;
ALTER TABLE employments ADD COLUMN working_time_reference_days INTEGER;

-- Dashboard reads across organisations by month, and decisions by organisation.
CREATE INDEX time_reports_by_month ON time_reports (month);
CREATE INDEX decisions_organisation ON decisions (organisation_id, valid_from);
