-- Service-level clocks (issue 17): each run of a ticket's first-response or resolution clock,
-- with what it is measured against, the working time it used before it last paused, its
-- moments, and the steps (warning, breach, escalation) it has taken; and the spans it stood
-- still, so that reports count response, solution and waiting time exactly without reading the
-- history. A ticket has at most one open clock of each kind (ended_at IS NULL). The scheduler
-- finds a clock's next step through next_at, as it finds the other timers in ticket_timers: a
-- new ticket's clocks cost one insert and nothing else. Keep in step with ../postgres/0015_sla_clocks.sql.
CREATE TABLE sla_clocks (
    id            INTEGER PRIMARY KEY,
    ticket_id     INTEGER NOT NULL REFERENCES tickets(id),
    kind          TEXT NOT NULL,
    -- The unit the clock runs for (a first response is that unit's).
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    -- The level's time for the ticket's priority (`5d`), and that time in working seconds
    -- counted from started_at.
    target        TEXT NOT NULL,
    budget_secs   INTEGER NOT NULL,
    -- Working seconds used before running_since (all of them once it is paused or over).
    used_secs     INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    -- While it runs: since when, when its next step falls due (the warning, while steps is 0),
    -- and when it is due.
    running_since TEXT,
    next_at       TEXT,
    due_at        TEXT,
    met_at        TEXT,
    breached_at   TEXT,
    ended_at      TEXT,
    -- Steps taken (0 to 4: warning, breach, escalation 2, escalation 3), and the escalation
    -- step reached (0 to 3, also raised by the requester's side).
    steps         INTEGER NOT NULL DEFAULT 0,
    escalation    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sla_clocks_ticket ON sla_clocks (ticket_id, kind, id);
CREATE UNIQUE INDEX sla_clocks_open ON sla_clocks (ticket_id, kind) WHERE ended_at IS NULL;
CREATE INDEX sla_clocks_next ON sla_clocks (next_at, ticket_id);
-- The running clocks of a unit, re-targeted when its level, the level's times or its calendar change.
CREATE INDEX sla_clocks_unit_open ON sla_clocks (unit_id) WHERE ended_at IS NULL;

CREATE TABLE sla_pauses (
    id          INTEGER PRIMARY KEY,
    clock_id    INTEGER NOT NULL REFERENCES sla_clocks(id),
    started_at  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE INDEX sla_pauses_clock ON sla_pauses (clock_id, id);
