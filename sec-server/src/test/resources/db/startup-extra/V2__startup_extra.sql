CREATE TABLE startup_extra (id int PRIMARY KEY);
