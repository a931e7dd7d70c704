//! The SQL of the change log the search index follows. The engines read it differently:
//! SQLite's single writer makes entries visible in the order of their ids; PostgreSQL's
//! concurrent writers are read by transaction id.

/// PostgreSQL: the oldest transaction still open; every one before it has ended.
pub(crate) const OLDEST_OPEN_TRANSACTION: &str =
    "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)";

/// PostgreSQL: the entries after a cursor, by transaction and id.
pub(crate) const TICKET_CHANGES_BY_TRANSACTION: &str = "SELECT CAST(CAST(txid AS TEXT) AS BIGINT), id, \
    ticket_id FROM change_log WHERE txid > CAST(CAST($1 AS TEXT) AS xid8) \
    OR (txid = CAST(CAST($1 AS TEXT) AS xid8) AND id > $2) ORDER BY txid, id LIMIT $3";

/// SQLite: the entries after a cursor, by id.
pub(crate) const TICKET_CHANGES_IN_ORDER: &str =
    "SELECT id, ticket_id FROM change_log WHERE id > $1 ORDER BY id LIMIT $2";

/// SQLite: the last entry.
pub(crate) const CHANGE_HORIZON: &str = "SELECT MAX(id) FROM change_log";

pub(crate) const TICKET_COUNT: &str = "SELECT COUNT(*) FROM tickets";

pub(crate) const TICKET_IDS_AFTER: &str = "SELECT id FROM tickets WHERE id > $1 ORDER BY id LIMIT $2";

/// Every statement above, by name, that the engine (`postgres` or not) runs.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str)> {
    let mut all = match postgres {
        true => vec![
            ("OLDEST_OPEN_TRANSACTION", OLDEST_OPEN_TRANSACTION),
            ("TICKET_CHANGES_BY_TRANSACTION", TICKET_CHANGES_BY_TRANSACTION),
        ],
        false => vec![("TICKET_CHANGES_IN_ORDER", TICKET_CHANGES_IN_ORDER), ("CHANGE_HORIZON", CHANGE_HORIZON)],
    };
    all.extend([("TICKET_COUNT", TICKET_COUNT), ("TICKET_IDS_AFTER", TICKET_IDS_AFTER)]);
    all
}
