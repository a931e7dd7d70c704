//! A ticket's history: every change of every field, as an immutable event.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::AccountId;

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who made it; none when the system did.
    #[schema(required = true)]
    pub actor: Option<AccountId>,
    /// Which field changed (`status`, `priority`, `unit`, `article`, ...).
    pub field: String,
    /// The value before; null when the field was first set.
    #[schema(schema_with = field_value)]
    pub old: Value,
    /// The value after.
    #[schema(schema_with = field_value)]
    pub new: Value,
    /// Why, where the rules ask for a reason (a priority override).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether only those who may read internal notes may see this entry.
    #[serde(skip)]
    pub internal: bool,
}

/// How the document describes a value in the history: every change records a name or a text
/// (a status, a file's name), a number (a unit's or an article's id), or nothing.
fn field_value() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer, Type::Null]))
        .description(Some("A name or a text (`in_progress`, a file's name), an id, or null"))
        .build()
}

/// A change about to be recorded, before it has a time and an actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Which field changed.
    pub field: &'static str,
    /// The value before.
    pub old: Value,
    /// The value after.
    pub new: Value,
    /// Why, where the rules ask for a reason.
    pub reason: Option<String>,
    /// Whether it concerns an internal note.
    pub internal: bool,
}

impl Change {
    /// A change of `field` from `old` to `new`.
    pub fn new(field: &'static str, old: impl Serialize, new: impl Serialize) -> Self {
        Change {
            field,
            old: serde_json::to_value(old).unwrap_or(Value::Null),
            new: serde_json::to_value(new).unwrap_or(Value::Null),
            reason: None,
            internal: false,
        }
    }

    /// The same change, with the reason given for it.
    pub fn because(mut self, reason: Option<String>) -> Self {
        self.reason = reason;
        self
    }

    /// The same change, seen only by those who may read internal notes.
    pub fn internal(mut self, internal: bool) -> Self {
        self.internal = internal;
        self
    }

    /// The entry this change becomes when `actor` makes it at `at`.
    pub fn at(self, at: OffsetDateTime, actor: Option<AccountId>) -> HistoryEntry {
        HistoryEntry {
            at,
            actor,
            field: self.field.to_owned(),
            old: self.old,
            new: self.new,
            reason: self.reason,
            internal: self.internal,
        }
    }
}

/// A change on a ticket someone opened, owns or follows that they have not looked at since: a
/// line of their dashboard's alerts (the ticket's latest public change by someone else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The ticket.
    pub ticket: crate::TicketId,
    /// Its title.
    pub title: String,
    /// What changed (a history field: `status`, `article`...).
    pub field: String,
    /// Its new value, as the history keeps it.
    pub new: serde_json::Value,
    /// When.
    pub at: time::OffsetDateTime,
    /// Who changed it (none: Helpdesk itself).
    pub actor: Option<crate::AccountId>,
}
