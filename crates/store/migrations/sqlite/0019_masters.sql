-- Masters and slaves (issue 18): a ticket marked a duplicate of another is that ticket's slave.
-- Its row says kind 'master' with the master in ticket_a and the slave in ticket_b; a cross
-- reference keeps the lower number first. A ticket has at most one master. SQLite cannot change
-- a CHECK, so the table is made again. Keep in step with ../postgres/0019_masters.sql.
CREATE TABLE ticket_relations_new (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ticket_a    INTEGER NOT NULL REFERENCES tickets(id),
    ticket_b    INTEGER NOT NULL REFERENCES tickets(id),
    note        TEXT NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES accounts(id),
    created_at  TEXT NOT NULL,
    CHECK (ticket_a <> ticket_b AND (kind <> 'reference' OR ticket_a < ticket_b))
);
INSERT INTO ticket_relations_new (id, kind, ticket_a, ticket_b, note, created_by, created_at)
    SELECT id, kind, ticket_a, ticket_b, note, created_by, created_at FROM ticket_relations;
DROP TABLE ticket_relations;
ALTER TABLE ticket_relations_new RENAME TO ticket_relations;
CREATE UNIQUE INDEX ticket_relations_pair ON ticket_relations (ticket_a, ticket_b, kind);
CREATE INDEX ticket_relations_b ON ticket_relations (ticket_b);
CREATE UNIQUE INDEX ticket_relations_one_master ON ticket_relations (ticket_b) WHERE kind = 'master';
