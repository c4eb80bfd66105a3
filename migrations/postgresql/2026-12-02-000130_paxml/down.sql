ALTER TABLE time_report_rows DROP COLUMN clock_assumed;
ALTER TABLE time_report_rows DROP COLUMN postid;
ALTER TABLE organisations DROP COLUMN next_postid;
ALTER TABLE organisations DROP COLUMN paxml_codes;
