-- PAXml: each organisation's code table (tidkod per kind of time, JSON), and
-- postid, a stable 32-bit number per time-report row, counted per
-- organisation (organisations.next_postid is the next one to hand out).
ALTER TABLE organisations ADD COLUMN paxml_codes TEXT NOT NULL DEFAULT '{"active":"ARB","waiting":"JR1","standby":"BE1"}';
ALTER TABLE organisations ADD COLUMN next_postid BIGINT NOT NULL DEFAULT 1;
ALTER TABLE time_report_rows ADD COLUMN postid INTEGER NOT NULL DEFAULT 0;
-- Clock times assumed from a PAXml datum + timmar: an overlap with another
-- employer's shift is then a warning, for either side.
ALTER TABLE time_report_rows ADD COLUMN clock_assumed BOOLEAN NOT NULL DEFAULT FALSE;

-- Rows stored before: numbered per organisation in the order they arrived.
UPDATE time_report_rows SET postid = numbered.n
FROM (
    SELECT rr.version_id, rr.row_index,
           ROW_NUMBER() OVER (
               PARTITION BY r.organisation_id
               ORDER BY v.received_at, v.id, rr.row_index
           ) AS n
    FROM time_report_rows rr
    JOIN time_report_versions v ON v.id = rr.version_id
    JOIN time_reports r ON r.id = v.report_id
) AS numbered
WHERE time_report_rows.version_id = numbered.version_id
  AND time_report_rows.row_index = numbered.row_index;

UPDATE organisations SET next_postid = 1 + COALESCE((
    SELECT MAX(rr.postid)
    FROM time_report_rows rr
    JOIN time_report_versions v ON v.id = rr.version_id
    JOIN time_reports r ON r.id = v.report_id
    WHERE r.organisation_id = organisations.id
), 0);
