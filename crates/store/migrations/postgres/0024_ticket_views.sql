-- When a person last looked at a ticket they opened, own or follow (issue 18): the dashboard's
-- alerts are what changed on those since. Keep in step with ../sqlite/0024_ticket_views.sql.
CREATE TABLE ticket_views (
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    seen_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, ticket_id)
);
