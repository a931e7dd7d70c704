//! The SQL of the service-level clocks.

/// A clock's columns, in the order of `ClockRow`.
macro_rules! clock_columns {
    () => {
        "id, ticket_id, kind, unit_id, target, budget_secs, used_secs, started_at, running_since, \
         next_at, due_at, met_at, breached_at, ended_at, steps, escalation"
    };
}
pub(crate) use clock_columns;

/// The columns a new clock's values are given for, in the order `push_clocks` binds them.
macro_rules! clock_insert {
    () => {
        "INSERT INTO sla_clocks (ticket_id, kind, unit_id, target, budget_secs, used_secs, started_at, \
         running_since, next_at, due_at, met_at, breached_at, ended_at, steps, escalation) "
    };
}
pub(crate) use clock_insert;

pub(crate) const SAVE_CLOCK: &str = "UPDATE sla_clocks SET unit_id = $2, target = $3, budget_secs = $4, \
    used_secs = $5, running_since = $6, next_at = $7, due_at = $8, met_at = $9, breached_at = $10, \
    ended_at = $11, steps = $12, escalation = $13 WHERE id = $1";

pub(crate) const OPEN_CLOCKS: &str =
    concat!("SELECT ", clock_columns!(), " FROM sla_clocks WHERE ticket_id = $1 AND ended_at IS NULL ORDER BY id");

pub(crate) const OPEN_CLOCKS_OF_UNIT: &str =
    concat!("SELECT ", clock_columns!(), " FROM sla_clocks WHERE ended_at IS NULL AND unit_id = $1 ORDER BY id");

pub(crate) const OPEN_CLOCKS_ON_LEVEL: &str = concat!(
    "SELECT ",
    clock_columns!(),
    " FROM sla_clocks WHERE ended_at IS NULL AND unit_id IN (SELECT id FROM units WHERE service_level_id = $1) \
     ORDER BY id"
);

pub(crate) const OPEN_CLOCKS_ON_CALENDAR: &str = concat!(
    "SELECT ",
    clock_columns!(),
    " FROM sla_clocks WHERE ended_at IS NULL AND unit_id IN (SELECT u.id FROM units u JOIN service_levels l \
     ON l.id = u.service_level_id WHERE l.calendar_id = $1) ORDER BY id"
);

pub(crate) const CLOCKS_OF_TICKET: &str =
    concat!("SELECT ", clock_columns!(), " FROM sla_clocks WHERE ticket_id = $1 ORDER BY id");

pub(crate) const START_PAUSE: &str = "INSERT INTO sla_pauses (clock_id, started_at) VALUES ($1, $2)";

pub(crate) const END_PAUSE: &str = "UPDATE sla_pauses SET ended_at = $2 WHERE clock_id = $1 AND ended_at IS NULL";

pub(crate) const PAUSES_OF_TICKET: &str = "SELECT p.clock_id, p.started_at, p.ended_at FROM sla_pauses p \
    JOIN sla_clocks c ON c.id = p.clock_id WHERE c.ticket_id = $1 ORDER BY p.clock_id, p.id";

/// Takes a clock's step as it was read (`kind` is the timer's name), so that of two schedulers
/// that read it, one takes it.
pub(crate) const TAKE_CLOCK_STEP: &str = "UPDATE sla_clocks SET next_at = NULL WHERE ticket_id = $1 AND \
    kind = (CASE $2 WHEN 'response_clock' THEN 'response' ELSE 'resolution' END) AND ended_at IS NULL \
    AND next_at = $3 AND steps = $4";

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(_postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("SAVE_CLOCK", SAVE_CLOCK),
        ("OPEN_CLOCKS", OPEN_CLOCKS),
        ("CLOCKS_OF_TICKET", CLOCKS_OF_TICKET),
        ("OPEN_CLOCKS_OF_UNIT", OPEN_CLOCKS_OF_UNIT),
        ("OPEN_CLOCKS_ON_LEVEL", OPEN_CLOCKS_ON_LEVEL),
        ("OPEN_CLOCKS_ON_CALENDAR", OPEN_CLOCKS_ON_CALENDAR),
        ("START_PAUSE", START_PAUSE),
        ("END_PAUSE", END_PAUSE),
        ("PAUSES_OF_TICKET", PAUSES_OF_TICKET),
        ("TAKE_CLOCK_STEP", TAKE_CLOCK_STEP),
    ]
}
