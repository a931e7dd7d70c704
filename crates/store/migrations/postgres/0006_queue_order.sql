-- A unit's queue (open tickets; new and unassigned first, then by priority, oldest first) read
-- from one index: its expressions are the queue's ORDER BY as `sql::ticket_order` writes it, its
-- condition the open-state filter, and it carries the status and visibility columns (covering the count too), so a page of a queue
-- of 20,000 open tickets sorts index entries instead of reading 20,000 rows.
-- Keep in step with ../sqlite/0006_queue_order.sql and `sql::ticket_order`.
CREATE INDEX tickets_queue ON tickets(
    unit_id,
    (CASE WHEN status = 'new' THEN 0 ELSE 1 END),
    (CASE WHEN owner_id IS NULL THEN 0 ELSE 1 END),
    (CASE priority WHEN 'top' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END),
    created_at,
    id,
    status,
    privacy,
    submitter_id,
    on_behalf_of,
    organisation_id
) WHERE status NOT IN ('solved', 'unsolved', 'verified', 'closed');
