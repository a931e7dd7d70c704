-- Inbound mail: every message is stored raw before it is parsed, so that nothing sent to
-- Helpdesk is lost, a message that fails is kept for an admin, and it can be processed again.
-- Keep in step with ../postgres/0005_mail.sql.
CREATE TABLE inbound_mail (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at  TEXT    NOT NULL,
    raw          BLOB    NOT NULL,
    -- received, ticket_opened, article_added, refused, ignored, duplicate, failed
    status       TEXT    NOT NULL DEFAULT 'received',
    message_id   TEXT,
    sender       TEXT,
    subject      TEXT,
    ticket_id    INTEGER REFERENCES tickets(id),
    detail       TEXT,
    processed_at TEXT
);
-- A message becomes a ticket or an article once, whatever the number of copies that arrive.
CREATE UNIQUE INDEX inbound_mail_delivered ON inbound_mail(message_id)
    WHERE status IN ('ticket_opened', 'article_added');
CREATE INDEX inbound_mail_message_id ON inbound_mail(message_id);
CREATE INDEX inbound_mail_status ON inbound_mail(status, id);

-- The mail gateway's role: SQLite cannot change a CHECK in place, so the table is rebuilt.
CREATE TABLE account_roles_new (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('community', 'partner', 'staff', 'admin', 'mail_gateway')),
    PRIMARY KEY (account_id, role)
);
INSERT INTO account_roles_new (account_id, role) SELECT account_id, role FROM account_roles;
DROP TABLE account_roles;
ALTER TABLE account_roles_new RENAME TO account_roles;
