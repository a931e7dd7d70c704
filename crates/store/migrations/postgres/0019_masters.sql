-- Masters and slaves (issue 18): a ticket marked a duplicate of another is that ticket's slave.
-- Its row says kind 'master' with the master in ticket_a and the slave in ticket_b; a cross
-- reference keeps the lower number first. A ticket has at most one master. Keep in step with
-- ../sqlite/0019_masters.sql.
ALTER TABLE ticket_relations DROP CONSTRAINT ticket_relations_check;
ALTER TABLE ticket_relations ADD CONSTRAINT ticket_relations_check
    CHECK (ticket_a <> ticket_b AND (kind <> 'reference' OR ticket_a < ticket_b));
CREATE UNIQUE INDEX ticket_relations_one_master ON ticket_relations (ticket_b) WHERE kind = 'master';
