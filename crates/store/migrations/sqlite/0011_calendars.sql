-- Working-hour calendars for service levels: an IANA zone, each weekday's intervals as written
-- (JSON: {"mon": ["09:00-17:00"], ...}) and holidays (JSON: ["2026-12-25", ...]). The default
-- (Mon-Fri 09:00-17:00) and a 24x7 calendar exist from the start. Keep in step with
-- ../postgres/0011_calendars.sql.
CREATE TABLE calendars (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    time_zone   TEXT    NOT NULL,
    week        TEXT    NOT NULL,
    holidays    TEXT    NOT NULL DEFAULT '[]',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
INSERT INTO calendars (name, time_zone, week, created_at, updated_at) VALUES
    ('Default', 'UTC',
     '{"mon":["09:00-17:00"],"tue":["09:00-17:00"],"wed":["09:00-17:00"],"thu":["09:00-17:00"],"fri":["09:00-17:00"],"sat":[],"sun":[]}',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('24x7', 'UTC',
     '{"mon":["00:00-24:00"],"tue":["00:00-24:00"],"wed":["00:00-24:00"],"thu":["00:00-24:00"],"fri":["00:00-24:00"],"sat":["00:00-24:00"],"sun":["00:00-24:00"]}',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
