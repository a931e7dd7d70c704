-- Timed rules (service levels, issue 17): each ticket's due moments, one per kind, found by the
-- scheduler through the index on due_at; and named leases, so that one node at a time runs a
-- duty such as the scheduler. Keep in step with ../sqlite/0014_timers.sql.
CREATE TABLE ticket_timers (
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    kind        TEXT NOT NULL,
    -- How far the rule got (the reminders sent so far, for a waiting ticket's).
    stage       BIGINT NOT NULL DEFAULT 0,
    due_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, kind)
);
CREATE INDEX ticket_timers_due ON ticket_timers (due_at, ticket_id);

CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    held_by     TEXT NOT NULL,
    held_until  TIMESTAMPTZ NOT NULL
);
