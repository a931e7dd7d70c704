//! Relations between tickets, one row for each pair (the lower number in `ticket_a`).

pub(crate) const INSERT_RELATION: &str = "INSERT INTO ticket_relations (kind, ticket_a, ticket_b, note, created_by, \
    created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

/// Removes a relation of `ticket` ($2), so that a relation of another ticket is never removed
/// through this one.
pub(crate) const DELETE_RELATION: &str =
    "DELETE FROM ticket_relations WHERE id = $1 AND (ticket_a = $2 OR ticket_b = $2)";

pub(crate) const RELATIONS_OF_TICKET: &str = "SELECT id, kind, ticket_a, ticket_b, note, created_by, created_at \
    FROM ticket_relations WHERE ticket_a = $1 OR ticket_b = $1 ORDER BY id LIMIT $2";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT_RELATION", INSERT_RELATION),
        ("DELETE_RELATION", DELETE_RELATION),
        ("RELATIONS_OF_TICKET", RELATIONS_OF_TICKET),
    ]
}
