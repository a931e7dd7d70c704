-- What a side has not delivered to the other, by unit: the other side pulls it after an outage.
-- Keep in step with the other engine's 0008_sync_pull.sql.
CREATE INDEX external_links_held ON external_links (unit_id, ticket_id) WHERE state <> 'in_step';
