DROP TABLE late_exceptions;
