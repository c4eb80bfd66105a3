-- Issue 13 §3: safe retries and corrections of the register.

-- Step 1: a stored idempotent reply keeps its `Location` header, so that a
-- replay of a 201 is the first reply whole.
ALTER TABLE idempotency_keys ADD COLUMN location TEXT;

-- Step 2: a voided version (*makulerad*): kept and readable, but the month
-- counts as not reported while it is the report's current version.
ALTER TABLE time_report_versions ADD COLUMN voided_at TIMESTAMP;
ALTER TABLE time_report_versions ADD COLUMN void_reason TEXT;
