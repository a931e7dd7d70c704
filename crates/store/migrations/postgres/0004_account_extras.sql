-- Account data for the profile and admin pages: which notifications a person does not want,
-- the address an OpenID Connect identity was linked with, and accounts listed by name. Keep in
-- step with ../sqlite/0004_account_extras.sql.

-- The notifications a person does NOT want: opt-outs, so that everyone gets every kind by
-- default, a kind added later included. No CHECK on `kind`: the domain's enum names the kinds,
-- and a new kind then needs no rebuild of the table (SQLite cannot change a CHECK in place).
CREATE TABLE notification_optouts (
    account_id  BIGINT  NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    PRIMARY KEY (account_id, kind)
);

-- Unknown for the identities linked before it was recorded.
ALTER TABLE oidc_identities ADD COLUMN email TEXT;
CREATE INDEX oidc_identities_account ON oidc_identities(account_id);

-- The admin's list of accounts is ordered by name.
CREATE INDEX accounts_name ON accounts(lower(name), id);
