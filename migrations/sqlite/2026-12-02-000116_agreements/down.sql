DROP TABLE agreements;
