//! Accounts and the roles a person may hold.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::{AccountId, OrgId, UnitId, named_enum};

/// A role a person holds (DOMAIN.md "Who uses it"). Several may be held at once.
///
/// `community`, `partner`, `staff` and `admin` are granted to an account; `named`, `supporter` and
/// `unit_manager` follow from organisation contracts and unit memberships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registered, no support contract.
    Community,
    /// Member of an organisation with an active support contract.
    Named,
    /// Certified service partner of some organisations.
    Partner,
    /// Member of one or more support units.
    Supporter,
    /// Responsible for a support unit.
    UnitManager,
    /// Helpdesk operator: reads and works every ticket.
    Staff,
    /// Runs the installation.
    Admin,
    /// A mail transfer agent's gateway: hands in raw messages, and may do nothing else.
    MailGateway,
    /// The alarm right: a supporter who holds it may raise a team ticket of their unit to an
    /// alarm (GGUS's ALARM privilege).
    Alarm,
}

named_enum!(Role {
    Community => "community",
    Named => "named",
    Partner => "partner",
    Supporter => "supporter",
    UnitManager => "unit_manager",
    Staff => "staff",
    Admin => "admin",
    MailGateway => "mail_gateway",
    Alarm => "alarm",
});

impl Role {
    /// Whether this role is granted to an account directly (rather than following from
    /// memberships and contracts).
    pub fn is_grantable(self) -> bool {
        matches!(self, Role::Community | Role::Partner | Role::Staff | Role::Admin | Role::MailGateway | Role::Alarm)
    }
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Account {
    /// The account's id.
    pub id: AccountId,
    /// The e-mail address, lower-case, unique.
    pub email: String,
    /// The name shown to others.
    pub name: String,
    /// The roles granted to the account.
    pub roles: Vec<Role>,
    /// A disabled account can do nothing.
    pub disabled: bool,
    /// Whether the owner proved the address is theirs; until then the account can only verify.
    pub verified: bool,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Normalises an e-mail address for storage and lookup: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    Email::new(email).into_string()
}

/// An e-mail address as Helpdesk stores and looks it up: trimmed and lower-cased once, when it
/// is made, so that no reader normalises it again (or forgets to). It reads as a `&str`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// `raw` (as a person typed it, or a message or provider gave it), normalised.
    pub fn new(raw: &str) -> Email {
        Email(raw.trim().to_lowercase())
    }

    /// The address, normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address, normalised, as a `String`.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Email {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

/// An API token as its owner sees it (the secret itself is never shown again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    /// The token's id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was revoked; a revoked token opens nothing.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(required = true)]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A person as they stand today: their account with the roles in effect (granted, and those
/// that follow from memberships and contracts), and what those roles come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Profile {
    /// The account; its `roles` are the roles in effect.
    #[serde(flatten)]
    pub account: Account,
    /// The support units they are a member of.
    pub units: Vec<UnitId>,
    /// The support units they manage.
    pub managed_units: Vec<UnitId>,
    /// The organisations they are a named user of.
    pub organisations: Vec<OrgId>,
    /// The organisations they serve as a partner.
    pub partner_of: Vec<OrgId>,
}

/// A client certificate linked to an account: presenting it signs the person in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LinkedCertificate {
    /// The link's id.
    pub id: i64,
    /// The certificate's subject, canonical form (`/DC=org/.../CN=Jane Doe`).
    pub subject_dn: String,
    /// Its issuer, canonical form.
    pub issuer_dn: String,
    /// When it was linked.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// An OpenID Connect identity linked to an account: signing in with it signs the person in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LinkedIdentity {
    /// The provider's name in the configuration.
    pub provider: String,
    /// The provider's stable id of the person.
    pub subject: String,
    /// The address the provider gave when the identity was linked (unknown for links made
    /// before it was recorded).
    #[schema(required = true)]
    pub email: Option<String>,
    /// When it was linked.
    #[serde(with = "time::serde::rfc3339")]
    pub linked_at: OffsetDateTime,
}

/// A kind of e-mail notification a person may want or not. Everyone wants every kind until
/// they say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Notification {
    /// A ticket was opened (for the unit's supporters) or opened for you.
    TicketOpened,
    /// A ticket was assigned to you or your unit.
    Assigned,
    /// A public reply was added to a ticket you follow.
    PublicReply,
    /// A ticket you follow changed status.
    StatusChange,
    /// A ticket you follow was reopened.
    Reopened,
    /// Someone asks to join a unit you manage.
    JoinRequest,
    /// A ticket of yours or your unit's is late, or escalated (service levels).
    ServiceLevel,
    /// Every change of a ticket you opened, by default; without it, only its solution (the
    /// default of the requester's mode, [`RequesterMode`]).
    EveryChange,
}

named_enum!(Notification {
    TicketOpened => "ticket_opened",
    Assigned => "assigned",
    PublicReply => "public_reply",
    StatusChange => "status_change",
    Reopened => "reopened",
    JoinRequest => "join_request",
    ServiceLevel => "service_level",
    EveryChange => "every_change",
});

/// Someone involved in a ticket by its supporters: they get what its unit gets by mail,
/// internal notes included (GGUS's "involve others").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvolvedPerson {
    /// Their account.
    pub account: crate::AccountId,
    /// Their name.
    pub name: String,
    /// Their address.
    pub email: String,
}

/// How a ticket's requester hears of it by mail (GGUS's submitter mode): of every change, or of
/// its solution only. Either way they get the receipt of a new ticket and the reminders of one
/// waiting for their reply, which ask something of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequesterMode {
    /// Every public reply and change of status.
    EveryChange,
    /// The solution only.
    SolutionOnly,
}

named_enum!(RequesterMode {
    EveryChange => "every_change",
    SolutionOnly => "solution_only",
});

/// The roles to grant, checked: only grantable ones, each once, in order; none means
/// community (every account holds at least one role).
pub fn granted_roles(roles: &[Role]) -> Result<Vec<Role>, Vec<crate::validation::FieldError>> {
    let mut errors = crate::validation::Errors::new();
    for role in roles {
        errors.check(
            !role.is_grantable(),
            "role",
            format!("'{role}' follows from memberships and contracts; grant community, partner, staff or admin"),
        );
    }
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        roles.push(Role::Community);
    }
    errors.finish(roles)
}

/// Checks a change of `target`'s granted roles to `roles` by the account `by`: an admin may not
/// take away their own admin role, so that an installation cannot be left without its admin
/// by a slip of the mouse.
pub fn check_role_change(
    by: Option<AccountId>,
    target: AccountId,
    roles: &[Role],
) -> Result<(), Vec<crate::validation::FieldError>> {
    let mut errors = crate::validation::Errors::new();
    errors.check(
        by == Some(target) && !roles.contains(&Role::Admin),
        "roles",
        "you cannot remove your own admin role; ask another admin to do it",
    );
    errors.finish(())
}

/// Checks disabling (or enabling) `target` by the account `by`: nobody disables themselves, which
/// would sign them out with no way back in.
pub fn check_disabling(
    by: Option<AccountId>,
    target: AccountId,
    disabled: bool,
) -> Result<(), Vec<crate::validation::FieldError>> {
    let mut errors = crate::validation::Errors::new();
    errors.check(
        disabled && by == Some(target),
        "disabled",
        "you cannot disable your own account; ask another admin to do it",
    );
    errors.finish(())
}

/// Shortest password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password, in bytes (hashing a huge input costs the server, not the guesser).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password: long enough, not too long, not the e-mail address.
pub fn check_password(field: &str, password: &str, email: &str) -> Result<(), Vec<crate::validation::FieldError>> {
    let mut errors = crate::validation::Errors::new();
    errors.check(
        password.chars().count() < MIN_PASSWORD_CHARS,
        field,
        format!("must be at least {MIN_PASSWORD_CHARS} characters"),
    );
    errors.check(password.len() > MAX_PASSWORD_BYTES, field, format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
    errors.check(
        !email.is_empty() && password.trim().eq_ignore_ascii_case(email.trim()),
        field,
        "must not be your e-mail address",
    );
    errors.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_normalised_once_when_it_is_made() {
        for (raw, kept) in [
            ("Jane@Example.org", "jane@example.org"),
            ("  jane@example.org\n", "jane@example.org"),
            ("JÖRG@Beispiel.DE", "jörg@beispiel.de"),
            ("", ""),
        ] {
            let email = Email::new(raw);
            assert_eq!(email.as_str(), kept, "{raw:?}");
            assert_eq!(email.to_string(), kept);
            assert_eq!(&*email, kept, "it reads as a str");
            assert_eq!(Email::new(&email), email, "normalising again changes nothing");
            assert_eq!(normalise_email(raw), kept);
        }
    }

    #[test]
    fn passwords() {
        let table = [
            ("correct horse battery", true),
            ("short", false),
            ("123456789", false),
            ("1234567890", true),
            ("ann@example.org", false),
            ("ANN@EXAMPLE.ORG", false),
        ];
        for (password, ok) in table {
            assert_eq!(check_password("password", password, "ann@example.org").is_ok(), ok, "{password}");
        }
        assert!(check_password("password", &"x".repeat(MAX_PASSWORD_BYTES + 1), "a@b.org").is_err());
    }

    #[test]
    fn granted_roles_are_checked_sorted_and_never_empty() {
        use Role::*;
        let table: &[(&[Role], Option<&[Role]>)] = &[
            (&[], Some(&[Community])),
            (&[Admin, Staff, Admin], Some(&[Staff, Admin])),
            (&[Partner], Some(&[Partner])),
            (&[Named], None),
            (&[Admin, Supporter], None),
            (&[UnitManager], None),
        ];
        for (given, expected) in table {
            assert_eq!(granted_roles(given).ok().as_deref(), *expected, "{given:?}");
        }
    }

    #[test]
    fn nobody_locks_themselves_out() {
        use Role::*;
        let table: &[(Option<AccountId>, AccountId, &[Role], bool)] = &[
            (Some(AccountId(1)), AccountId(1), &[Admin, Staff], true),
            (Some(AccountId(1)), AccountId(1), &[Staff], false),
            (Some(AccountId(1)), AccountId(1), &[Community], false),
            (Some(AccountId(1)), AccountId(2), &[Community], true),
            (None, AccountId(1), &[Community], true),
        ];
        for (by, target, roles, ok) in table {
            assert_eq!(check_role_change(*by, *target, roles).is_ok(), *ok, "{by:?} {target} {roles:?}");
        }
        assert!(check_disabling(Some(AccountId(1)), AccountId(1), true).is_err());
        assert!(check_disabling(Some(AccountId(1)), AccountId(1), false).is_ok());
        assert!(check_disabling(Some(AccountId(1)), AccountId(2), true).is_ok());
        assert!(check_disabling(None, AccountId(2), true).is_ok());
    }

    #[test]
    fn notification_names_are_the_serde_names() {
        for kind in Notification::ALL {
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::Value::from(kind.as_str())));
            assert_eq!(kind.as_str().parse::<Notification>().ok(), Some(*kind));
        }
        assert!("everything".parse::<Notification>().is_err());
    }
}
