DROP TABLE change_notices;
