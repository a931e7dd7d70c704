-- Related links (issue 18): web pages that bear on a ticket, at most five a ticket, each once.
-- Keep in step with ../postgres/0018_ticket_links.sql.
CREATE TABLE ticket_links (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    url         TEXT NOT NULL,
    created_by  INTEGER REFERENCES accounts(id),
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX ticket_links_url ON ticket_links (ticket_id, url);
