//! Organisations and their support contracts; support units' members and join requests.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::validation::{Errors, FieldError, check_line};
use crate::{AccountId, OrgId, UnitId, named_enum};

/// An organisation: its e-mail domains make members, its contracts make them named users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    /// The organisation's id.
    pub id: OrgId,
    /// Its name, unique.
    pub name: String,
    /// Its verified e-mail domains: whoever verifies an address there becomes a member.
    pub domains: Vec<String>,
    /// The accounts of the partners that serve it.
    pub partners: Vec<AccountId>,
    /// Its support contracts, newest first.
    pub contracts: Vec<Contract>,
    /// Whether a contract runs today, making its members named users.
    pub supported: bool,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A support contract (an entitlement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contract {
    /// The contract's id.
    pub id: i64,
    /// The organisation it belongs to.
    pub organisation: OrgId,
    /// The plan, e.g. "Gold".
    pub plan: String,
    /// The first day it runs.
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// The last day it runs; none while open-ended.
    #[schema(value_type = Option<String>, format = Date, required = true)]
    pub ends_on: Option<Date>,
    /// What it includes, in words.
    pub includes: String,
}

impl Contract {
    /// Whether the contract runs on `day`.
    pub fn runs_on(&self, day: Date) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// Checks an organisation's name.
pub fn check_organisation(name: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", name, 200);
    errors.finish(())
}

/// What [`normalise_domain`] takes, as the OpenAPI document states it (with `maxLength: 253`):
/// ASCII white space around it, `@`s before it, then labels of letters, digits and inner
/// dashes (at most 63 each), at least two, joined by dots.
pub const DOMAIN_PATTERN: &str = "^[ \\t\\n\\f\\r]*@*(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?[ \\t\\n\\f\\r]*$";

/// Normalises and checks an e-mail domain (`example.org`): lower-case letters, digits, dashes
/// and dots, at least one dot, no leading `@`; at most 253 characters as sent.
pub fn normalise_domain(sent: &str) -> Result<String, Vec<FieldError>> {
    let domain = sent.trim_matches(|c: char| c.is_ascii_whitespace()).trim_start_matches('@').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let ok = sent.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok { Ok(domain) } else { Err(vec![FieldError::new("domain", format!("'{domain}' is not a domain name"))]) }
}

/// The domain of an e-mail address, lower-case.
pub fn email_domain(email: &str) -> Option<String> {
    email.rsplit_once('@').map(|(_, d)| d.to_lowercase())
}

/// Checks a contract's plan and dates.
pub fn check_contract(
    plan: &str,
    starts_on: Date,
    ends_on: Option<Date>,
    includes: &str,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "plan", plan, 100);
    errors.check(ends_on.is_some_and(|end| end < starts_on), "ends_on", "must not be before starts_on");
    errors.check(includes.len() > 10_000, "includes", "must be at most 10000 bytes");
    errors.finish(())
}

/// A member of a support unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UnitMember {
    /// The unit.
    pub unit: UnitId,
    /// The member's account.
    pub account: AccountId,
    /// The member's name.
    pub name: String,
    /// The member's e-mail address.
    pub email: String,
    /// Whether they manage the unit (approve join requests, assign tickets).
    pub manager: bool,
    /// Since when.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

/// Where a join request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JoinState {
    /// Waiting for a manager.
    Pending,
    /// The person became a member.
    Approved,
    /// A manager said no.
    Refused,
}

named_enum!(JoinState { Pending => "pending", Approved => "approved", Refused => "refused" });

/// A person's request to join a support unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JoinRequest {
    /// The request's id.
    pub id: i64,
    /// The unit.
    pub unit: UnitId,
    /// Who asks.
    pub account: AccountId,
    /// Their name.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
    /// What they say about it.
    pub message: String,
    /// Where it stands.
    pub state: JoinState,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When a manager decided, if one did.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub decided_at: Option<OffsetDateTime>,
    /// Who decided.
    #[schema(required = true)]
    pub decided_by: Option<AccountId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn contracts_run_between_their_days() {
        let c = Contract {
            id: 1,
            organisation: OrgId(1),
            plan: "Gold".into(),
            starts_on: date!(2026 - 01 - 01),
            ends_on: Some(date!(2026 - 12 - 31)),
            includes: String::new(),
        };
        let table = [
            (date!(2025 - 12 - 31), false),
            (date!(2026 - 01 - 01), true),
            (date!(2026 - 12 - 31), true),
            (date!(2027 - 01 - 01), false),
        ];
        for (day, runs) in table {
            assert_eq!(c.runs_on(day), runs, "{day}");
        }
        assert!(Contract { ends_on: None, ..c.clone() }.runs_on(date!(2099 - 01 - 01)));
        assert!(check_contract("Gold", date!(2026 - 02 - 01), Some(date!(2026 - 01 - 01)), "").is_err());
        assert!(check_contract(" ", date!(2026 - 02 - 01), None, "").is_err());
    }

    #[test]
    fn domains() {
        let table = [
            ("example.org", Some("example.org")),
            (" @Example.ORG ", Some("example.org")),
            ("sub.grid-site.example.eu", Some("sub.grid-site.example.eu")),
            ("localhost", None),
            ("exa mple.org", None),
            ("-bad.org", None),
            ("a..org", None),
            ("user@example.org", None),
            ("\u{212a}elvin.org", None),
            ("\u{3000}example.org", None),
            ("\x0bexample.org", None),
        ];
        for (input, expected) in table {
            assert_eq!(normalise_domain(input).ok().as_deref(), expected, "{input}");
        }
        assert_eq!(email_domain("Ann@Example.org").as_deref(), Some("example.org"));
    }
}
