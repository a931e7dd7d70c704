-- Every unit has a service level; Base (the first, id 1) until an admin chooses another. Keep in
-- step with ../postgres/0013_unit_service_level.sql.
-- SQLite cannot add a column with a foreign key and a default other than NULL: the app checks
-- that the level exists.
ALTER TABLE units ADD COLUMN service_level_id INTEGER NOT NULL DEFAULT 1;
