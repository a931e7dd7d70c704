-- Who follows a ticket (issue 18): people who get its public replies and its solution by mail.
-- Keep in step with ../sqlite/0016_followers.sql.
CREATE TABLE ticket_followers (
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    since       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, account_id)
);
-- The tickets one follows.
CREATE INDEX ticket_followers_account ON ticket_followers (account_id, ticket_id);
