-- Service levels (GGUS "quality of support"): each priority's response and resolution times
-- in working time of a calendar (JSON: {"low": {"response": "5d", "resolution": "20d"}, ...}),
-- and the lifecycle times. GGUS's Base, Medium and Advanced exist from the start, on the Default
-- calendar. Keep in step with ../postgres/0012_service_levels.sql.
CREATE TABLE service_levels (
    id                             INTEGER PRIMARY KEY AUTOINCREMENT,
    name                           TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    calendar_id                    INTEGER NOT NULL REFERENCES calendars(id),
    targets                        TEXT    NOT NULL,
    waiting_reminder               TEXT    NOT NULL,
    auto_unsolved_after_reminders  INTEGER NOT NULL,
    auto_close                     TEXT    NOT NULL,
    created_at                     TEXT    NOT NULL,
    updated_at                     TEXT    NOT NULL
);
INSERT INTO service_levels (name, calendar_id, targets, waiting_reminder, auto_unsolved_after_reminders,
                            auto_close, created_at, updated_at) VALUES
    ('Base', 1, '{"low":{"response":"5d","resolution":"20d"},"medium":{"response":"5d","resolution":"20d"},"high":{"response":"5d","resolution":"20d"},"top":{"response":"5d","resolution":"20d"}}', '5d', 2, '10d', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('Medium', 1, '{"low":{"response":"5d","resolution":"20d"},"medium":{"response":"5d","resolution":"20d"},"high":{"response":"1d","resolution":"4d"},"top":{"response":"1d","resolution":"4d"}}', '5d', 2, '10d', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('Advanced', 1, '{"low":{"response":"5d","resolution":"20d"},"medium":{"response":"1d","resolution":"4d"},"high":{"response":"1d","resolution":"4d"},"top":{"response":"4h","resolution":"16h"}}', '5d', 2, '10d', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
