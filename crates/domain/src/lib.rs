//! Helpdesk's domain: the rules of tickets, support units and access, with no I/O.
//!
//! Everything here is pure and synchronous so that the rules can be tested exhaustively and used
//! unchanged by every channel (API, web, e-mail, external systems).

#![warn(missing_docs)]

pub mod account;
pub mod attachment;
pub mod calendar;
pub mod category;
pub mod clock;
pub mod connector;
pub mod dn;
pub mod history;
pub mod html;
pub mod ids;
pub mod listing;
pub mod mail;
pub mod organisation;
pub mod paging;
pub mod policy;
pub mod relation;
pub mod search;
pub mod service_level;
pub mod status;
pub mod team;
pub mod ticket;
pub mod timer;
pub mod triage;
pub mod unit;
pub mod validation;
pub mod workflow;

pub use ids::{
    AccountId, ArticleId, AttachmentId, CalendarId, CategoryId, OrgId, ServiceLevelId, TeamId, TicketId, UnitId,
};

/// Implements `as_str`, `Display` and `FromStr` for a fieldless enum from one list of names,
/// so that the name stored in the database, shown in the API and parsed from a query string
/// can never drift apart.
#[macro_export]
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The value's stable name, as stored and as shown in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::UnknownName {
                        kind: stringify!($ty),
                        value: s.to_owned(),
                        expected: &[$($name),+],
                    }),
                }
            }
        }
    };
}

/// A name that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a valid {kind}; expected one of: {}", expected.join(", "))]
pub struct UnknownName {
    /// Which enum was parsed.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
    /// The names that would have been accepted.
    pub expected: &'static [&'static str],
}
