//! Teams and their members.

/// A team with its counts of members and alarmers.
macro_rules! team_select {
    () => {
        "SELECT t.id, t.name, t.email, t.created_at, \
         (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id) AS members, \
         (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id AND m.alarmer) AS alarmers FROM teams t "
    };
}

pub(crate) const TEAMS: &str = concat!(team_select!(), "ORDER BY lower(t.name), t.id LIMIT $1");

pub(crate) const TEAM: &str = concat!(team_select!(), "WHERE t.id = $1");

pub(crate) const TEAM_BY_NAME: &str = concat!(team_select!(), "WHERE lower(t.name) = lower($1)");

pub(crate) const TEAM_MEMBERS: &str = "SELECT member, alarmer, manager FROM team_members WHERE team_id = $1 \
    ORDER BY alarmer DESC, manager DESC, member";

pub(crate) const INSERT_TEAM: &str = "INSERT INTO teams (name, email, created_at) VALUES ($1, $2, $3) RETURNING id";

pub(crate) const UPDATE_TEAM: &str = "UPDATE teams SET name = $2, email = $3 WHERE id = $1";

pub(crate) const PUT_TEAM_MEMBER: &str = "INSERT INTO team_members (team_id, member, alarmer, manager) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (team_id, member) DO UPDATE SET alarmer = excluded.alarmer, \
    manager = excluded.manager";

pub(crate) const DELETE_TEAM_MEMBER: &str = "DELETE FROM team_members WHERE team_id = $1 AND member = $2";

/// The team's row, locked (PostgreSQL; SQLite's one writer needs no lock).
pub(crate) const TEAM_FOR_UPDATE: super::Both = super::Both {
    sqlite: concat!(team_select!(), "WHERE t.id = $1"),
    postgres: concat!(team_select!(), "WHERE t.id = $1 FOR UPDATE OF t"),
};

/// Every statement above, by name, as each engine runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str)> {
    vec![
        ("TEAMS", TEAMS),
        ("TEAM", TEAM),
        ("TEAM_BY_NAME", TEAM_BY_NAME),
        ("TEAM_MEMBERS", TEAM_MEMBERS),
        ("INSERT_TEAM", INSERT_TEAM),
        ("UPDATE_TEAM", UPDATE_TEAM),
        ("PUT_TEAM_MEMBER", PUT_TEAM_MEMBER),
        ("DELETE_TEAM_MEMBER", DELETE_TEAM_MEMBER),
        ("TEAM_FOR_UPDATE", if postgres { TEAM_FOR_UPDATE.postgres } else { TEAM_FOR_UPDATE.sqlite }),
    ]
}
