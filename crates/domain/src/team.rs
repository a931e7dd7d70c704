//! Teams (GGUS's TEAM and ALARM tickets): a virtual organisation's operators who share their
//! tickets, the alarmers among them who may wake a site, and the kind of ticket that says
//! whether a ticket is one person's, a team's, or an alarm.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::dn::canonical_dn;
use crate::validation::{Errors, FieldError, check_email, check_line};
use crate::{TeamId, named_enum};

/// Longest team name, in characters.
pub const MAX_TEAM_NAME_CHARS: usize = 100;
/// Longest member (an address or a DN), in characters.
pub const MAX_MEMBER_CHARS: usize = 1000;
/// Most members one sync may name (a virtual organisation's list is a few thousand).
pub const MAX_SYNCED_MEMBERS: usize = 50_000;

/// Whose ticket it is: one person's, a team's, or an alarm (GGUS). Set at opening; only a team
/// ticket may later become an alarm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// Anyone's ticket: its requesters and supporters work it.
    #[default]
    User,
    /// Opened for a team: every member of the team works it as its requester.
    Team,
    /// A team's alarm: opened by its alarmers, top priority, mailed at once to the unit's alarm
    /// address.
    Alarm,
}

named_enum!(TicketKind { User => "user", Team => "team", Alarm => "alarm" });

impl TicketKind {
    /// Whether tickets of this kind belong to a team.
    pub fn has_team(self) -> bool {
        self != TicketKind::User
    }

    /// The word a notification's subject starts with (none for a user ticket).
    pub fn subject_mark(self) -> Option<&'static str> {
        match self {
            TicketKind::User => None,
            TicketKind::Team => Some("TEAM"),
            TicketKind::Alarm => Some("ALARM"),
        }
    }
}

/// A team: a name, its own address, and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    /// Its id.
    pub id: TeamId,
    /// Its name, unique (a virtual organisation's, e.g. `atlas`).
    pub name: String,
    /// Its own address, which gets its tickets' notifications (empty: none).
    pub email: String,
    /// How many members it has.
    pub members: i64,
    /// How many of them are alarmers.
    pub alarmers: i64,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// One member of a team: an e-mail address or a certificate's subject DN, which names whoever
/// signs in with that address or certificate (a list synced from a VO names people by DN, some
/// of whom have no account yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TeamMember {
    /// The address (lower-case) or the DN (in its slash form).
    pub member: String,
    /// Whether they may open alarm tickets, and raise the team's tickets to alarms.
    pub alarmer: bool,
    /// Whether they keep the team's members (with the admins).
    pub manager: bool,
}

/// Checks a team's name and address.
pub fn check_team(name: &str, email: &str) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", name, MAX_TEAM_NAME_CHARS);
    if !email.trim().is_empty() {
        check_email(&mut errors, "email", email.trim());
    }
    errors.finish(())
}

/// A member as stored: an address in lower case, or a DN in its canonical slash form; `None`
/// when it is neither.
pub fn member_identity(text: &str) -> Option<String> {
    let text = text.trim();
    if text.chars().count() > MAX_MEMBER_CHARS || text.chars().any(char::is_control) {
        return None;
    }
    if text.starts_with('/') || (text.contains('=') && !text.contains('@')) {
        return canonical_dn(text);
    }
    let mut errors = Errors::new();
    check_email(&mut errors, "member", text);
    errors.finish(()).ok().map(|_| text.to_lowercase())
}

/// A list of members to sync to: one address or DN a line; blank lines and lines starting with
/// `#` say nothing. Each line that is neither is refused with its number, and nothing is synced.
pub fn parse_member_list(text: &str) -> Result<Vec<String>, Vec<FieldError>> {
    let mut members = Vec::new();
    let mut errors = Errors::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match member_identity(line) {
            Some(member) => members.push(member),
            None => errors.add("members", format!("line {}: '{line}' is neither an e-mail address nor a DN", n + 1)),
        }
    }
    errors.check(members.len() > MAX_SYNCED_MEMBERS, "members", format!("at most {MAX_SYNCED_MEMBERS} members"));
    members.sort();
    members.dedup();
    errors.finish(members)
}

/// What a sync changes: who joins and who leaves, so that the team's members become `wanted`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncPlan {
    /// Members to add, sorted.
    pub added: Vec<String>,
    /// Members to remove, sorted.
    pub removed: Vec<String>,
}

/// The changes that make `current` into `wanted` (both sets of identities).
pub fn sync_plan(current: &[String], wanted: &[String]) -> SyncPlan {
    let mut added: Vec<String> = wanted.iter().filter(|w| !current.contains(w)).cloned().collect();
    let mut removed: Vec<String> = current.iter().filter(|c| !wanted.contains(c)).cloned().collect();
    added.sort();
    added.dedup();
    removed.sort();
    removed.dedup();
    SyncPlan { added, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_an_address_or_a_dn() {
        let table = [
            ("Jane.Doe@CERN.ch", Some("jane.doe@cern.ch")),
            ("  op@example.org ", Some("op@example.org")),
            ("/DC=ch/DC=cern/OU=Users/CN=Jane Doe", Some("/DC=ch/DC=cern/OU=Users/CN=Jane Doe")),
            ("CN=Jane Doe,OU=Users,DC=cern,DC=ch", Some("/DC=ch/DC=cern/OU=Users/CN=Jane Doe")),
            ("jane", None),
            ("", None),
            ("/", None),
            ("a b@example.org", None),
            ("/DC=ch/CN=Tab\there", None),
        ];
        for (text, expected) in table {
            assert_eq!(member_identity(text).as_deref(), expected, "{text:?}");
        }
    }

    #[test]
    fn a_member_list_skips_comments_and_refuses_what_it_cannot_read() {
        let list = "# atlas operators\n\nB@example.org\n/DC=ch/CN=Op\na@example.org\nb@example.org\n";
        assert_eq!(
            parse_member_list(list),
            Ok(vec!["/DC=ch/CN=Op".to_owned(), "a@example.org".to_owned(), "b@example.org".to_owned()])
        );
        let errors = parse_member_list("a@example.org\nnobody\n").err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("line 2"), "{errors:?}");
    }

    #[test]
    fn a_sync_adds_what_is_wanted_and_removes_what_is_not() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        // (current, wanted, added, removed)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let table: [Case; 4] = [
            (&[], &["a", "b"], &["a", "b"], &[]),
            (&["a", "b"], &["a", "b"], &[], &[]),
            (&["a", "b"], &["b", "c"], &["c"], &["a"]),
            (&["a"], &[], &[], &["a"]),
        ];
        for (current, wanted, added, removed) in table {
            assert_eq!(
                sync_plan(&s(current), &s(wanted)),
                SyncPlan { added: s(added), removed: s(removed) },
                "{current:?} -> {wanted:?}"
            );
        }
    }

    #[test]
    fn a_team_needs_a_name_and_a_real_address_if_any() {
        assert!(check_team("atlas", "").is_ok());
        assert!(check_team("atlas", "atlas-ops@cern.ch").is_ok());
        assert!(check_team(" ", "").is_err());
        assert!(check_team("atlas", "ops").is_err());
    }
}
