//! Every fixed SQL statement of the store, as formatted constants, one module per area.
//!
//! Both engines take `$N` placeholders, `RETURNING` and `string_agg`, so almost every statement
//! is one text. The few that differ (row locks, which SQLite's single writer does not need) are
//! a [`Both`], the two texts side by side. Lists whose filters vary are built with sqlx's
//! `QueryBuilder` where they are run. `all` lists them for the test that prepares each one on
//! both engines.

pub(crate) mod accounts;
pub(crate) mod auth;
pub(crate) mod identity;
pub(crate) mod mail;
pub(crate) mod search;
pub(crate) mod sync;
pub(crate) mod tickets;

/// An area's statements by name, as the engine (`postgres` or not) runs them.
type Area = fn(bool) -> Vec<(&'static str, &'static str)>;

/// A statement whose text differs between the engines.
pub(crate) struct Both {
    /// As SQLite runs it.
    pub(crate) sqlite: &'static str,
    /// As PostgreSQL runs it.
    pub(crate) postgres: &'static str,
}

/// Every fixed statement, by area and name, as the engine (`postgres` or not) runs it.
pub(crate) fn all(postgres: bool) -> Vec<(&'static str, &'static str, &'static str)> {
    let areas: [(&str, Area); 7] = [
        ("accounts", accounts::all),
        ("auth", auth::all),
        ("identity", identity::all),
        ("mail", mail::all),
        ("search", search::all),
        ("sync", sync::all),
        ("tickets", tickets::all),
    ];
    areas
        .into_iter()
        .flat_map(|(area, statements)| statements(postgres).into_iter().map(move |(name, sql)| (area, name, sql)))
        .collect()
}

#[cfg(test)]
mod tests {
    /// Each area's source and what its `all` lists, so that a statement added and not listed
    /// (and so never prepared by the test) fails here.
    #[test]
    fn every_statement_is_listed_for_the_test_that_prepares_them() {
        let listed = |all: super::Area| {
            let mut names: Vec<&str> = all(false).into_iter().chain(all(true)).map(|(name, _)| name).collect();
            names.sort_unstable();
            names.dedup();
            names.len()
        };
        let areas: [(&str, usize); 7] = [
            (include_str!("accounts.rs"), listed(super::accounts::all)),
            (include_str!("auth.rs"), listed(super::auth::all)),
            (include_str!("identity.rs"), listed(super::identity::all)),
            (include_str!("mail.rs"), listed(super::mail::all)),
            (include_str!("search.rs"), listed(super::search::all)),
            (include_str!("sync.rs"), listed(super::sync::all)),
            (include_str!("tickets.rs"), listed(super::tickets::all)),
        ];
        for (source, listed) in areas {
            let defined = source.matches("\npub(crate) const ").count();
            assert_eq!(defined, listed, "{}", source.lines().next().unwrap_or_default());
        }
    }
}
