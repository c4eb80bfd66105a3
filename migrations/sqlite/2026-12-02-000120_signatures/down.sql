DROP TABLE month_closures;
DROP TABLE invoice_signatures;
DROP TABLE time_report_signatures;
DROP TABLE sign_payloads;
DROP TABLE signatories;
DROP TABLE representatives;
