//! The SQL of tickets' timers and of named leases.

pub(crate) const SET_TIMER: &str = "INSERT INTO ticket_timers (ticket_id, kind, due_at, stage) VALUES \
    ($1, $2, $3, $4) ON CONFLICT (ticket_id, kind) DO UPDATE SET due_at = excluded.due_at, stage = \
    excluded.stage";

pub(crate) const CLEAR_TIMER: &str = "DELETE FROM ticket_timers WHERE ticket_id = $1 AND kind = $2";

/// Deletes a timer only as it was read, so that of two schedulers that read it, one fires it.
pub(crate) const TAKE_TIMER: &str = "DELETE FROM ticket_timers WHERE ticket_id = $1 AND kind = $2 \
    AND due_at = $3 AND stage = $4";

/// The timers of `ticket_timers` and the clocks' next steps (named as their timers), each read
/// through its index on the due moment and bounded before they are merged.
pub(crate) const DUE_TIMERS: &str = "SELECT ticket_id, kind, due_at, stage FROM (\
    SELECT * FROM (SELECT ticket_id, kind, due_at, stage FROM ticket_timers WHERE due_at <= $1 \
    ORDER BY due_at, ticket_id LIMIT $2) timers UNION ALL SELECT * FROM (SELECT ticket_id, \
    CASE kind WHEN 'response' THEN 'response_clock' ELSE 'resolution_clock' END, next_at, steps \
    FROM sla_clocks WHERE next_at <= $1 ORDER BY next_at, ticket_id LIMIT $2) clocks) due \
    ORDER BY due_at, ticket_id LIMIT $2";

pub(crate) const TIMERS_OF_TICKET: &str = "SELECT ticket_id, kind, due_at, stage FROM (\
    SELECT ticket_id, kind, due_at, stage FROM ticket_timers WHERE ticket_id = $1 UNION ALL \
    SELECT ticket_id, CASE kind WHEN 'response' THEN 'response_clock' ELSE 'resolution_clock' END, \
    next_at, steps FROM sla_clocks WHERE ticket_id = $1 AND next_at IS NOT NULL) timers \
    ORDER BY due_at, kind";

/// Takes the lease when it is free, has run out, or is already the holder's.
pub(crate) const CLAIM_LEASE: &str = "INSERT INTO leases (name, held_by, held_until) VALUES ($1, $2, \
    $4) ON CONFLICT (name) DO UPDATE SET held_by = excluded.held_by, held_until = \
    excluded.held_until WHERE leases.held_until < $3 OR leases.held_by = $2";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("SET_TIMER", SET_TIMER),
        ("CLEAR_TIMER", CLEAR_TIMER),
        ("TAKE_TIMER", TAKE_TIMER),
        ("DUE_TIMERS", DUE_TIMERS),
        ("TIMERS_OF_TICKET", TIMERS_OF_TICKET),
        ("CLAIM_LEASE", CLAIM_LEASE),
    ]
}
