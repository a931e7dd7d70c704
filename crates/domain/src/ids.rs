//! The ids of Helpdesk's records, each its own type so that a ticket's id can never be passed
//! where an account's is expected.
//!
//! On the wire and in the database each is a plain integer: serde sees through it, the store
//! binds and reads it as one (sqlx's `Type`, behind the `sqlx` feature that only the store turns
//! on, so the rules stay free of I/O), and the API document describes it as `i64`, so the
//! newtypes change no byte that anyone outside sees.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_types {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl $name {
            /// The id as the integer stored and shown.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        // Printed as the bare number, as the aliases these types replace were, so that logs,
        // messages and addresses read as before.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        // The API document names an id's schema as it did when ids were aliases of `i64`: a
        // reference to the `i64` component, so that the document stays as clients know it.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                <i64 as utoipa::ToSchema>::name()
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )+};
}

id_types! {
    /// A ticket's number: a plain increasing integer that people can say on the phone.
    TicketId;
    /// An account's id.
    AccountId;
    /// A support unit's id.
    UnitId;
    /// A category's id.
    CategoryId;
    /// An article's id.
    ArticleId;
    /// An organisation's id.
    OrgId;
    /// An attachment's id.
    AttachmentId;
    /// A working-hour calendar's id.
    CalendarId;
    /// A service level's id.
    ServiceLevelId;
    /// A team's id (a virtual organisation's operators).
    TeamId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_bare_number_on_the_wire_and_in_print() {
        let id = TicketId(42);
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("42"));
        assert_eq!(serde_json::from_str::<TicketId>("42").ok(), Some(id));
        assert_eq!(format!("{id} {id:?}"), "42 42");
        assert_eq!("42".parse::<TicketId>().ok(), Some(id));
        assert!("4x".parse::<TicketId>().is_err());
    }
}
