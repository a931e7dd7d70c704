-- The sync, continued: the pull fallback's index, the poll lease, articles' authors in the other
-- system, and when the other side said what it holds. Keep in step with the other engine's
-- 0008_sync_fallback.sql.

-- What a side has not delivered to the other, by unit: the other side pulls it after an outage.
CREATE INDEX external_links_held ON external_links (unit_id, ticket_id) WHERE state <> 'in_step';

-- One node at a time follows a polled system: the one that holds the connector's poll lease.
ALTER TABLE connectors ADD COLUMN poll_locked_by TEXT;
ALTER TABLE connectors ADD COLUMN poll_locked_until TEXT;

-- Who wrote an article in the other ticketing system it came from, e.g. `alice (RT)`.
ALTER TABLE articles ADD COLUMN external_author TEXT;

-- When the other side said it holds its status and priority: a change of its that arrives later
-- but was made earlier (by another way: a pull, then a slow push) is not applied over them.
ALTER TABLE external_links ADD COLUMN remote_status_at TEXT;
ALTER TABLE external_links ADD COLUMN remote_priority_at TEXT;

-- A ticket moved into another external unit starts a new copy there: what the earlier one said,
-- and when, is forgotten with it.
DROP TRIGGER tickets_linked_on_update;
CREATE TRIGGER tickets_linked_on_update AFTER UPDATE ON tickets BEGIN
    -- A failing link keeps its backoff; any other is due at once.
    UPDATE external_links SET version = version + 1,
        state = CASE WHEN state = 'in_step' THEN 'pending' ELSE state END,
        pending_since = COALESCE(pending_since, NEW.updated_at),
        due_at = CASE WHEN state = 'failing' THEN due_at ELSE NEW.updated_at END
    WHERE ticket_id = NEW.id;
    -- Moved into another external unit: a new copy there, owing nothing to an earlier one.
    DELETE FROM sync_items WHERE ticket_id = NEW.id AND unit_id = NEW.unit_id AND NEW.unit_id <> OLD.unit_id;
    INSERT INTO external_links (ticket_id, unit_id, pending_since, due_at, created_at)
    SELECT NEW.id, NEW.unit_id, NEW.updated_at, NEW.updated_at, NEW.updated_at
    FROM units WHERE id = NEW.unit_id AND integration = 'external' AND NEW.unit_id <> OLD.unit_id
    ON CONFLICT (ticket_id) DO UPDATE SET unit_id = excluded.unit_id, external_id = NULL, external_url = NULL,
        state = 'pending', version = external_links.version + 1, synced_version = 0, remote_status = NULL,
        remote_priority = NULL, remote_status_at = NULL, remote_priority_at = NULL, pending_since = excluded.pending_since, due_at = excluded.due_at, attempts = 0,
        last_error = NULL;
END;
