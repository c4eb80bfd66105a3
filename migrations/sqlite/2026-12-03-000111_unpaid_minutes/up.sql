-- Minutes of a payable row that are not paid: the later row's overlap in
-- unmarked double assistance without a double grant (issue 11 §6).
ALTER TABLE time_report_rows ADD COLUMN unpaid_minutes BIGINT NOT NULL DEFAULT 0;
