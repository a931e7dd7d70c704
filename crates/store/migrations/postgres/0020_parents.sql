-- Parents and children (issue 18): a request split among units. The row says kind 'parent' with
-- the parent in ticket_a and the child in ticket_b; a ticket has at most one parent. Keep in
-- step with ../sqlite/0020_parents.sql.
CREATE UNIQUE INDEX ticket_relations_one_parent ON ticket_relations (ticket_b) WHERE kind = 'parent';
