-- Identity and access: organisations with their domains, members, partners and contracts;
-- unit memberships and join requests; what signing in needs. Keep in step with
-- ../postgres/0002_identity.sql.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- A verified address at one of these domains makes its owner a member.
CREATE TABLE organisation_domains (
    domain          TEXT    PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE
);

CREATE TABLE organisation_members (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    since           TEXT    NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);
CREATE INDEX organisation_members_account ON organisation_members(account_id);

CREATE TABLE organisation_partners (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    since           TEXT    NOT NULL,
    PRIMARY KEY (organisation_id, account_id)
);
CREATE INDEX organisation_partners_account ON organisation_partners(account_id);

-- Support contracts (entitlements). A member of an organisation with a contract running today
-- is a named user.
CREATE TABLE contracts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    plan            TEXT    NOT NULL,
    starts_on       TEXT    NOT NULL,
    ends_on         TEXT,
    includes        TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX contracts_organisation ON contracts(organisation_id);

CREATE TABLE unit_members (
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    manager     INTEGER NOT NULL DEFAULT 0 CHECK (manager IN (0, 1)),
    since       TEXT    NOT NULL,
    PRIMARY KEY (unit_id, account_id)
);
CREATE INDEX unit_members_account ON unit_members(account_id);

CREATE TABLE join_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    message     TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused')),
    created_at  TEXT    NOT NULL,
    decided_at  TEXT,
    decided_by  INTEGER REFERENCES accounts(id)
);
CREATE INDEX join_requests_unit ON join_requests(unit_id, state);
-- One open request per person and unit.
CREATE UNIQUE INDEX join_requests_pending ON join_requests(unit_id, account_id) WHERE state = 'pending';

ALTER TABLE tickets ADD COLUMN on_behalf_of INTEGER REFERENCES accounts(id);
ALTER TABLE tickets ADD COLUMN organisation_id INTEGER REFERENCES organisations(id);
CREATE INDEX tickets_on_behalf_of ON tickets(on_behalf_of, id);
CREATE INDEX tickets_organisation ON tickets(organisation_id, id);

-- Signing in.
ALTER TABLE accounts ADD COLUMN password_hash TEXT;
ALTER TABLE accounts ADD COLUMN email_verified_at TEXT;

CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

-- Counted attempts by key (failed sign-ins per account and per address, mail sent per
-- address), to slow down guessing and flooding.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX attempts_key ON attempts(key, at);

CREATE TABLE oidc_identities (
    provider    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE TABLE certificates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    subject_dn  TEXT    NOT NULL UNIQUE,
    issuer_dn   TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

-- Installation-wide values every node shares, such as the key that signs e-mailed links.
CREATE TABLE settings (
    key         TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL
);

-- The key that signs e-mailed links, made once per installation (SQLite's randomness is
-- ChaCha20 seeded by the operating system).
INSERT INTO settings (key, value) VALUES ('link_signing_key', lower(hex(randomblob(32))));
