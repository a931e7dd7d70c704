-- Every unit has a service level; Base (the first, id 1) until an admin chooses another. Keep in
-- step with ../sqlite/0013_unit_service_level.sql.
ALTER TABLE units ADD COLUMN service_level_id BIGINT NOT NULL DEFAULT 1 REFERENCES service_levels(id);
