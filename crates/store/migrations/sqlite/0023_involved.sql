-- People involved in a ticket by its supporters (issue 18, GGUS's "involve others"): they get
-- what its unit gets by mail, internal notes included, while the policy lets them read those.
-- Keep in step with ../postgres/0023_involved.sql.
CREATE TABLE ticket_involved (
    ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    added_by    INTEGER REFERENCES accounts(id),
    since       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, account_id)
);
