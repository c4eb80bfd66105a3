DROP TABLE write_lock;
DROP TABLE audit_log;
DROP TABLE rates;
DROP TABLE employments;
DROP TABLE assistants;
DROP TABLE decisions;
DROP TABLE assistance_users;
DROP TABLE organisations;
