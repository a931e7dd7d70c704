-- Relations between tickets (issue 18): one row for each pair, the lower number first, so that a
-- cross reference reads the same from either side and is made once. Keep in step with
-- ../postgres/0017_relations.sql.
CREATE TABLE ticket_relations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ticket_a    INTEGER NOT NULL REFERENCES tickets(id),
    ticket_b    INTEGER NOT NULL REFERENCES tickets(id),
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES accounts(id),
    created_at  TEXT NOT NULL,
    CHECK (ticket_a < ticket_b)
);
CREATE UNIQUE INDEX ticket_relations_pair ON ticket_relations (ticket_a, ticket_b, kind);
CREATE INDEX ticket_relations_b ON ticket_relations (ticket_b);
