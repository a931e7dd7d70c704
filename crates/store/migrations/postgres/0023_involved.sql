-- People involved in a ticket by its supporters (issue 18, GGUS's "involve others"): they get
-- what its unit gets by mail, internal notes included, while the policy lets them read those.
-- Keep in step with ../sqlite/0023_involved.sql.
CREATE TABLE ticket_involved (
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    account_id  BIGINT NOT NULL REFERENCES accounts(id),
    added_by    BIGINT REFERENCES accounts(id),
    since       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, account_id)
);
