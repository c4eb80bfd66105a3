DROP TABLE sessions;
DROP TABLE account_invites;
DROP TABLE accounts;
