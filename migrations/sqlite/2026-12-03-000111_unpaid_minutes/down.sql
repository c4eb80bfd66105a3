ALTER TABLE time_report_rows DROP COLUMN unpaid_minutes;
