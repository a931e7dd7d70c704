//! Support units: who handles tickets, at which level, and how they are reached.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::validation::{Errors, FieldError, check_email, check_line};
use crate::{ServiceLevelId, UnitId, named_enum};

/// Longest unit name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// How a unit works its tickets (EOSC "integration options").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    /// The unit works its tickets in Helpdesk.
    #[default]
    Direct,
    /// Helpdesk sends the unit's tickets to its mailing list; replies come back by e-mail.
    Redirect,
    /// The unit works in its own ticketing system, kept in step both ways.
    External,
}

named_enum!(Integration { Direct => "direct", Redirect => "redirect", External => "external" });

/// A support unit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    /// The unit's id.
    pub id: UnitId,
    /// Its name, unique.
    pub name: String,
    /// What it handles.
    pub description: String,
    /// 1st, 2nd or 3rd line.
    #[schema(minimum = 1, maximum = 3)]
    pub level: i16,
    /// Its address, often a mailing list.
    pub email: String,
    /// How it works its tickets.
    pub integration: Integration,
    /// The service level its tickets are held to (Base unless an admin chose another).
    pub service_level: ServiceLevelId,
    /// Where its alarm tickets are mailed at once, at any hour (empty: none).
    #[serde(default)]
    pub alarm_email: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Checks a unit's alarm address: none (empty) or an address.
pub fn check_alarm_email(alarm_email: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    if !alarm_email.is_empty() {
        check_email(&mut errors, "alarm_email", alarm_email);
    }
    errors.finish(())
}

/// Checks a unit's name, level, address and description.
pub fn check_unit(name: &str, level: i16, email: &str, description: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", name, MAX_NAME_CHARS);
    errors.check(!(1..=3).contains(&level), "level", format!("must be 1, 2 or 3 (got {level})"));
    check_email(&mut errors, "email", email);
    errors.check(description.len() > 10_000, "description", "must be at most 10000 bytes");
    errors.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        let table = [
            ("1st line", 1, "first@example.org", vec![]),
            ("3rd line", 3, "third@example.org", vec![]),
            ("", 1, "first@example.org", vec!["name"]),
            ("zero", 0, "first@example.org", vec!["level"]),
            ("four", 4, "first@example.org", vec!["level"]),
            ("no mail", 2, "nobody", vec!["email"]),
            ("", 9, "x", vec!["name", "level", "email"]),
        ];
        for (name, level, email, refused) in table {
            let got: Vec<String> =
                check_unit(name, level, email, "").err().unwrap_or_default().into_iter().map(|e| e.field).collect();
            assert_eq!(got, refused, "{name} {level} {email}");
        }
    }
}
