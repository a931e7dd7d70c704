-- The ticket core: accounts and tokens, units, categories, tickets with their articles and
-- history, the job queue and the change log. Keep in step with ../postgres/0001_ticket_core.sql:
-- the same tables and columns, each engine's own types.

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    email       TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at  TEXT    NOT NULL
);

CREATE TABLE account_roles (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('community', 'partner', 'staff', 'admin')),
    PRIMARY KEY (account_id, role)
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    email       TEXT    NOT NULL,
    integration TEXT    NOT NULL DEFAULT 'direct' CHECK (integration IN ('direct', 'redirect', 'external')),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

CREATE TABLE categories (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    description     TEXT    NOT NULL DEFAULT '',
    default_unit_id INTEGER NOT NULL REFERENCES units(id),
    fields          TEXT    NOT NULL DEFAULT '[]',
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    type               TEXT    NOT NULL CHECK (type IN ('incident', 'service_request')),
    category_id        INTEGER NOT NULL REFERENCES categories(id),
    unit_id            INTEGER NOT NULL REFERENCES units(id),
    owner_id           INTEGER REFERENCES accounts(id),
    status             TEXT    NOT NULL CHECK (status IN ('new', 'assigned', 'in_progress', 'waiting_for_reply', 'on_hold', 'reopened', 'solved', 'unsolved', 'verified', 'closed')),
    resolution         TEXT,
    priority           TEXT    NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'top')),
    suggested_priority TEXT    NOT NULL CHECK (suggested_priority IN ('low', 'medium', 'high', 'top')),
    privacy            TEXT    NOT NULL CHECK (privacy IN ('public', 'private')),
    fields             TEXT    NOT NULL DEFAULT '{}',
    affected_users     INTEGER NOT NULL DEFAULT 0,
    service_degraded   INTEGER NOT NULL DEFAULT 0 CHECK (service_degraded IN (0, 1)),
    security_risk      TEXT    NOT NULL DEFAULT 'none',
    submitter_id       INTEGER NOT NULL REFERENCES accounts(id),
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL
);
CREATE INDEX tickets_status ON tickets(status, id);
CREATE INDEX tickets_unit ON tickets(unit_id, id);
CREATE INDEX tickets_category ON tickets(category_id, id);
CREATE INDEX tickets_submitter ON tickets(submitter_id, id);
CREATE INDEX tickets_privacy ON tickets(privacy, id);

CREATE TABLE articles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    author_id   INTEGER REFERENCES accounts(id),
    body        TEXT    NOT NULL,
    internal    INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    channel     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX articles_ticket ON articles(ticket_id, id);

CREATE TABLE ticket_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    at          TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES accounts(id),
    field       TEXT    NOT NULL,
    old_value   TEXT    NOT NULL,
    new_value   TEXT    NOT NULL,
    reason      TEXT,
    internal    INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1))
);
CREATE INDEX ticket_history_ticket ON ticket_history(ticket_id, id);

-- Work that must follow a change (notifications, syncs), written in the change's transaction.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    dedupe_key   TEXT    UNIQUE,
    run_at       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT,
    locked_until TEXT,
    last_error   TEXT,
    failed_at    TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE failed_at IS NULL;

-- Every change to a ticket or its conversation, in commit order, for the search index to follow.
-- Written by triggers, so that no code path that changes a ticket can forget it.
CREATE TABLE change_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    at          TEXT    NOT NULL
);

CREATE TRIGGER tickets_logged_on_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO change_log (ticket_id, kind, at) VALUES (NEW.id, 'ticket', NEW.updated_at);
END;

CREATE TRIGGER tickets_logged_on_update AFTER UPDATE ON tickets BEGIN
    INSERT INTO change_log (ticket_id, kind, at) VALUES (NEW.id, 'ticket', NEW.updated_at);
END;

CREATE TRIGGER articles_logged_on_insert AFTER INSERT ON articles BEGIN
    INSERT INTO change_log (ticket_id, kind, at) VALUES (NEW.ticket_id, 'article', NEW.created_at);
END;
