-- What a side has not delivered to the other, by unit: the other side pulls it after an outage.
-- Keep in step with the other engine's 0008_sync_pull_and_poll_lease.sql.
CREATE INDEX external_links_held ON external_links (unit_id, ticket_id) WHERE state <> 'in_step';

-- One node at a time follows a polled system: the one that holds the connector's poll lease.
ALTER TABLE connectors ADD COLUMN poll_locked_by TEXT;
ALTER TABLE connectors ADD COLUMN poll_locked_until TIMESTAMPTZ;

-- Who wrote an article in the other ticketing system it came from, e.g. `alice (RT)`.
ALTER TABLE articles ADD COLUMN external_author TEXT;

-- When the other side said it holds its status and priority: a change of its that arrives later
-- but was made earlier (by another way: a pull, then a slow push) is not applied over them.
ALTER TABLE external_links ADD COLUMN remote_status_at TIMESTAMPTZ;
ALTER TABLE external_links ADD COLUMN remote_priority_at TIMESTAMPTZ;
