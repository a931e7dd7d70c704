-- External-mode units: each has a connector to the ticketing system it works in, and each of
-- their tickets a link to its copy there. The link is also the ticket's outbox: a trigger marks it
-- due whenever the ticket changes, so no code path that changes a ticket can forget to sync it.
-- Keep in step with ../postgres/0007_sync.sql.
CREATE TABLE connectors (
    unit_id     INTEGER PRIMARY KEY REFERENCES units(id),
    settings    TEXT    NOT NULL,
    -- Sealed with the installation's key (ChaCha20-Poly1305); never shown back.
    credentials BLOB,
    -- Where following the other side's changes got to (RT: its last transaction id).
    cursor      TEXT,
    polled_at   TEXT,
    poll_error  TEXT,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE external_links (
    ticket_id       INTEGER PRIMARY KEY REFERENCES tickets(id),
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    external_id     TEXT,
    external_url    TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('in_step', 'pending', 'failing')),
    -- Bumped by every change of the ticket; synced_version is the one last sent in full.
    version         INTEGER NOT NULL DEFAULT 1,
    synced_version  INTEGER NOT NULL DEFAULT 0,
    -- What the other side was last known to hold, so that a change is sent once and its echo
    -- is recognised.
    remote_status   TEXT,
    remote_priority TEXT,
    pending_since   TEXT,
    due_at          TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    locked_by       TEXT,
    locked_until    TEXT,
    synced_at       TEXT,
    created_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX external_links_remote ON external_links (unit_id, external_id);
CREATE INDEX external_links_due ON external_links (due_at) WHERE due_at IS NOT NULL;

-- What went over and what came in, each once: an article here and its id there.
CREATE TABLE sync_items (
    ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
    unit_id    INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    local_ref  TEXT    NOT NULL,
    remote_ref TEXT    NOT NULL,
    inbound    INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    PRIMARY KEY (ticket_id, unit_id, kind, local_ref)
);
CREATE UNIQUE INDEX sync_items_remote ON sync_items (ticket_id, unit_id, kind, remote_ref);

-- Signed webhooks seen recently: one presented again is a replay.
CREATE TABLE webhook_nonces (
    nonce TEXT PRIMARY KEY,
    at    TEXT NOT NULL
);
CREATE INDEX webhook_nonces_at ON webhook_nonces (at);

CREATE TRIGGER tickets_linked_on_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO external_links (ticket_id, unit_id, pending_since, due_at, created_at)
    SELECT NEW.id, NEW.unit_id, NEW.updated_at, NEW.updated_at, NEW.updated_at
    FROM units WHERE id = NEW.unit_id AND integration = 'external';
END;

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
        remote_priority = NULL, pending_since = excluded.pending_since, due_at = excluded.due_at, attempts = 0,
        last_error = NULL;
END;
