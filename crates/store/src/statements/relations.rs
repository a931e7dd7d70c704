//! Relations between tickets, one row for each pair (the lower number in `ticket_a`), and the
//! web pages related to a ticket.

pub(crate) const INSERT_RELATION: &str = "INSERT INTO ticket_relations (kind, ticket_a, ticket_b, note, created_by, \
    created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

/// Removes a relation of `ticket` ($2), so that a relation of another ticket is never removed
/// through this one.
pub(crate) const DELETE_RELATION: &str =
    "DELETE FROM ticket_relations WHERE id = $1 AND (ticket_a = $2 OR ticket_b = $2)";

pub(crate) const RELATIONS_OF_TICKET: &str = "SELECT id, kind, ticket_a, ticket_b, note, created_by, created_at \
    FROM ticket_relations WHERE ticket_a = $1 OR ticket_b = $1 ORDER BY id LIMIT $2";

pub(crate) const INSERT_LINK: &str =
    "INSERT INTO ticket_links (ticket_id, url, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

pub(crate) const DELETE_LINK: &str = "DELETE FROM ticket_links WHERE id = $1 AND ticket_id = $2 RETURNING url";

pub(crate) const LINKS_OF_TICKET: &str =
    "SELECT id, url, created_at FROM ticket_links WHERE ticket_id = $1 ORDER BY id LIMIT $2";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT_RELATION", INSERT_RELATION),
        ("DELETE_RELATION", DELETE_RELATION),
        ("RELATIONS_OF_TICKET", RELATIONS_OF_TICKET),
        ("INSERT_LINK", INSERT_LINK),
        ("DELETE_LINK", DELETE_LINK),
        ("LINKS_OF_TICKET", LINKS_OF_TICKET),
    ]
}
