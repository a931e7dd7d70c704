-- Teams, and team and alarm tickets (issue 18, GGUS's TEAM and ALARM). Keep in step with
-- ../postgres/0021_teams.sql.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL COLLATE NOCASE UNIQUE,
    email       TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL
);
-- A member is an address (lower-case) or a certificate's DN (slash form): whoever signs in with
-- it. A synced list names people who may not have an account yet.
CREATE TABLE team_members (
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    member      TEXT    NOT NULL,
    alarmer     BOOLEAN NOT NULL DEFAULT FALSE,
    manager     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (team_id, member)
);
-- A person's teams, read on every authenticated request: by their address, and by the DNs of
-- their certificates.
CREATE INDEX team_members_member ON team_members (member);
CREATE INDEX certificates_account ON certificates (account_id);

ALTER TABLE tickets ADD COLUMN kind TEXT NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'team', 'alarm'));
ALTER TABLE tickets ADD COLUMN team_id INTEGER REFERENCES teams(id);
CREATE INDEX tickets_team ON tickets (team_id) WHERE team_id IS NOT NULL;

-- Where a unit's alarms go at any hour (empty: none).
ALTER TABLE units ADD COLUMN alarm_email TEXT NOT NULL DEFAULT '';

-- The alarm right: SQLite cannot change a CHECK in place, so the table is rebuilt.
CREATE TABLE account_roles_new (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('community', 'partner', 'staff', 'admin', 'mail_gateway', 'alarm')),
    PRIMARY KEY (account_id, role)
);
INSERT INTO account_roles_new (account_id, role) SELECT account_id, role FROM account_roles;
DROP TABLE account_roles;
ALTER TABLE account_roles_new RENAME TO account_roles;
