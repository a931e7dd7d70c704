-- How a ticket's requester hears of it by mail (issue 18, GGUS's submitter mode), for the
-- tickets where they chose; the others follow the requester's profile (the notification kind
-- `every_change`). Keep in step with ../postgres/0022_requester_modes.sql.
CREATE TABLE requester_modes (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets(id),
    mode       TEXT NOT NULL CHECK (mode IN ('every_change', 'solution_only'))
);
