//! Every fixed SQL statement of the store, as formatted constants, one module per area.
//!
//! Both engines take `$N` placeholders, `RETURNING` and `string_agg`, so almost every statement
//! is one text. The few that differ (row locks, which SQLite's single writer does not need) are
//! a [`Both`], the two texts side by side. Lists whose filters vary are built with sqlx's
//! `QueryBuilder` where they are run. `all` lists them for the test that prepares each one on
//! both engines.

pub(crate) mod accounts;
pub(crate) mod auth;
pub(crate) mod clocks;
pub(crate) mod followers;
pub(crate) mod identity;
pub(crate) mod mail;
pub(crate) mod relations;
pub(crate) mod search;
pub(crate) mod sync;
pub(crate) mod teams;
pub(crate) mod tickets;
pub(crate) mod timers;

/// An area's statements by name, as the engine (`postgres` or not) runs them.
type Area = fn(bool) -> Vec<(&'static str, &'static str)>;

/// A statement whose text differs between the engines.
pub(crate) struct Both {
    /// As SQLite runs it.
    pub(crate) sqlite: &'static str,
    /// As PostgreSQL runs it.
    pub(crate) postgres: &'static str,
}

/// The areas, by name.
const AREAS: [(&str, Area); 12] = [
    ("accounts", accounts::all),
    ("auth", auth::all),
    ("clocks", clocks::all),
    ("followers", followers::all),
    ("identity", identity::all),
    ("mail", mail::all),
    ("relations", relations::all),
    ("teams", teams::all),
    ("search", search::all),
    ("sync", sync::all),
    ("tickets", tickets::all),
    ("timers", timers::all),
];

/// Every fixed statement, by area and name, as the engine (`postgres` or not) runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str, &'static str)> {
    AREAS
        .into_iter()
        .flat_map(|(area, statements)| statements(postgres).into_iter().map(move |(name, sql)| (area, name, sql)))
        .collect()
}

#[cfg(test)]
mod tests {
    /// Each area's source, so that a statement added and not listed in its `all` (and so never
    /// prepared by the test) fails here.
    const SOURCES: [&str; 12] = [
        include_str!("accounts.rs"),
        include_str!("auth.rs"),
        include_str!("clocks.rs"),
        include_str!("followers.rs"),
        include_str!("identity.rs"),
        include_str!("mail.rs"),
        include_str!("relations.rs"),
        include_str!("teams.rs"),
        include_str!("search.rs"),
        include_str!("sync.rs"),
        include_str!("tickets.rs"),
        include_str!("timers.rs"),
    ];

    #[test]
    fn every_statement_is_listed_for_the_test_that_prepares_them() {
        for ((area, all), source) in super::AREAS.into_iter().zip(SOURCES) {
            let mut listed: Vec<&str> = all(false).into_iter().chain(all(true)).map(|(name, _)| name).collect();
            listed.sort_unstable();
            listed.dedup();
            let defined = source.matches("\npub(crate) const ").count();
            assert_eq!(defined, listed.len(), "{area}: every statement defined is listed");
            for name in listed {
                assert!(source.contains(&format!("const {name}: ")), "{area}::{name} is defined in its area");
            }
        }
    }
}
