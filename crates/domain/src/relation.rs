//! How tickets are tied to each other. A cross reference is symmetric: it ties two tickets that
//! bear on each other, with an optional note, and reads the same from either side. A master and
//! its slaves are one problem reported several times (GGUS's duplicates): the slaves wait on hold
//! while the master is worked on, hear what its requester hears, and are solved with it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::status::Status;
use crate::ticket::Ticket;
use crate::validation::{Errors, FieldError};
use crate::{AccountId, TicketId};

/// The longest note on a relation, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// What the API's schema says of a note (as `check_relation` has it): no control character but
/// the line break. The schema repeats it as a literal; a test holds the copy to this one.
pub const NOTE_PATTERN: &str = "^[^\\x00-\\x09\\x0B-\\x1F\\x7F-\\x9F]*$";

/// The most relations one ticket has.
pub const MAX_RELATIONS: usize = 100;

/// What ties two tickets, said of the other ticket as seen from one ("#7 is this one's master").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// The two bear on each other (either way round).
    Reference,
    /// The other ticket is this one's master: this one duplicates it.
    Master,
    /// The other ticket is this one's slave: it duplicates this one.
    Slave,
    /// The other ticket is this one's parent: this one is a part of its request.
    Parent,
    /// The other ticket is this one's child: a part of this one's request, for another unit.
    Child,
}

crate::named_enum!(RelationKind {
    Reference => "reference",
    Master => "master",
    Slave => "slave",
    Parent => "parent",
    Child => "child",
});

impl RelationKind {
    /// The same tie seen from the other ticket.
    pub fn reversed(self) -> RelationKind {
        match self {
            RelationKind::Reference => RelationKind::Reference,
            RelationKind::Master => RelationKind::Slave,
            RelationKind::Slave => RelationKind::Master,
            RelationKind::Parent => RelationKind::Child,
            RelationKind::Child => RelationKind::Parent,
        }
    }
}

/// Where a ticket stands among parents and children: what [`check_parent`] needs to know of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Family {
    /// Its parent, if it is a child.
    pub parent: Option<TicketId>,
    /// Whether it has children.
    pub has_children: bool,
}

/// Whether `child` may become a child of `parent` (GGUS's parent and child tickets: one request
/// split among units). One level only: a ticket has at most one parent, a child has no children
/// and a parent no parent (so there is no cycle); a parent is open, a child not closed for good.
pub fn check_parent(
    child: &Ticket,
    child_family: Family,
    parent: &Ticket,
    parent_family: Family,
) -> Result<(), String> {
    if child.id == parent.id {
        return Err(format!("ticket #{} cannot be a part of itself", child.id));
    }
    if let Some(current) = child_family.parent {
        return Err(format!("ticket #{} is already a part of #{current}", child.id));
    }
    if child_family.has_children {
        return Err(format!("ticket #{} has parts of its own, so it is not made a part of another", child.id));
    }
    if let Some(above) = parent_family.parent {
        return Err(format!(
            "ticket #{} is itself a part of #{above}: make #{} a part of #{above}",
            parent.id, child.id
        ));
    }
    if parent.status.is_terminal() {
        return Err(format!("ticket #{} is {}; reopen it before giving it parts", parent.id, parent.status));
    }
    if child.status.is_frozen() {
        return Err(format!("ticket #{} is {}, so it is not made a part of another", child.id, child.status));
    }
    Ok(())
}

/// Whether `slave` may become a slave of `master`: both open (a ticket solved or closed is not
/// marked a duplicate, nor marked as one's master), and one level only: a ticket has at most
/// one master, a master is not a slave, and a slave has no slaves (so there is no cycle).
/// `slave_has_slaves` says whether `slave` is some ticket's master already.
pub fn check_master(slave: &Ticket, master: &Ticket, slave_has_slaves: bool) -> Result<(), String> {
    if slave.id == master.id {
        return Err(format!("ticket #{} cannot duplicate itself", slave.id));
    }
    if let Some(current) = slave.master {
        return Err(format!("ticket #{} is already a duplicate of #{current}", slave.id));
    }
    if slave_has_slaves {
        return Err(format!("ticket #{} is the master of other tickets, so it is not made a duplicate", slave.id));
    }
    if let Some(above) = master.master {
        return Err(format!(
            "ticket #{} is itself a duplicate of #{above}: mark #{} as a duplicate of #{above}",
            master.id, slave.id
        ));
    }
    for (ticket, role) in [(slave, "a duplicate"), (master, "a master")] {
        if ticket.status.is_terminal() {
            return Err(format!("ticket #{} is {}, so it is not made {role}", ticket.id, ticket.status));
        }
    }
    Ok(())
}

/// A relation as stored: between `ticket` and `other`, seen from `ticket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Its id.
    pub id: i64,
    /// What ties them.
    pub kind: RelationKind,
    /// The ticket it is seen from.
    pub ticket: TicketId,
    /// The ticket at the other end.
    pub other: TicketId,
    /// Why they are tied (may be empty).
    pub note: String,
    /// Who tied them.
    pub created_by: Option<AccountId>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// The other end of a relation, as someone who may read it sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RelatedTicket {
    /// The relation's id (to remove it).
    pub id: i64,
    /// What ties them.
    pub kind: RelationKind,
    /// The other ticket's number.
    pub ticket: TicketId,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: Status,
    /// Why they are tied (may be empty).
    pub note: String,
    /// When they were tied.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A ticket's relations as one person sees them: those whose other end they may read, and how
/// many others there are (their number, title and status stay hidden); and its related links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Relations {
    /// The relations to tickets the person may read, oldest first.
    pub items: Vec<RelatedTicket>,
    /// How many relations lead to tickets the person may not read.
    pub hidden: usize,
    /// Web pages that bear on the ticket (a bug tracker's issue...), oldest first.
    pub links: Vec<TicketLink>,
}

/// The most related links one ticket has.
pub const MAX_LINKS: usize = 5;

/// The longest related link, in characters.
pub const MAX_LINK_CHARS: usize = 2000;

/// A web page that bears on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TicketLink {
    /// Its id (to remove it).
    pub id: i64,
    /// The address.
    pub url: String,
    /// The address's host, as pages show it (`bugs.example.org`).
    pub host: String,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The host of a web address checked by [`check_link`] (lower case, without user or port).
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    host.to_ascii_lowercase()
}

/// Checks a related link; returns it as kept (trimmed).
pub fn check_link(url: &str) -> Result<String, Vec<FieldError>> {
    let url = url.trim();
    let mut errors = Errors::new();
    crate::validation::check_url(&mut errors, "url", url, MAX_LINK_CHARS);
    errors.finish(url.to_owned())
}

/// Checks a new relation from `ticket` to `other` with `note`; returns the note as kept.
pub fn check_relation(ticket: TicketId, other: TicketId, note: &str) -> Result<String, Vec<FieldError>> {
    let mut errors = Errors::new();
    errors.check(ticket == other, "ticket", "a ticket is not related to itself");
    let note = note.trim();
    errors.check(note.chars().count() > MAX_NOTE_CHARS, "note", format!("must be at most {MAX_NOTE_CHARS} characters"));
    errors.check(note.chars().any(|c| c.is_control() && c != '\n'), "note", "must not hold control characters");
    errors.finish(note.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relation_ties_two_tickets_with_a_short_note_of_plain_lines() {
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        let cases: [(i64, i64, &str, Result<&str, &str>); 6] = [
            (1, 2, "", Ok("")),
            (1, 2, "  same outage  ", Ok("same outage")),
            (1, 2, "two\nlines", Ok("two\nlines")),
            (1, 1, "", Err("ticket")),
            (1, 2, &long, Err("note")),
            (1, 2, "bell\u{7}", Err("note")),
        ];
        for (ticket, other, note, expected) in cases {
            let got = check_relation(TicketId(ticket), TicketId(other), note);
            match expected {
                Ok(kept) => assert_eq!(got, Ok(kept.to_owned()), "{note:?}"),
                Err(field) => assert_eq!(got.map_err(|e| e[0].field.clone()), Err(field.to_owned()), "{note:?}"),
            }
        }
    }

    /// Asserts that `got` is allowed, or refused in words that hold `expected`'s.
    fn assert_answer(got: Result<(), String>, expected: Result<(), &str>, what: &str) {
        match expected {
            Ok(()) => assert_eq!(got, Ok(()), "{what}"),
            Err(words) => {
                assert!(got.as_ref().is_err_and(|e| e.contains(words)), "{what}: {got:?}, expected '{words}'")
            }
        }
    }

    #[test]
    fn duplicates_are_one_level_deep_and_open() {
        use crate::status::Status::{InProgress, New, OnHold, Solved, Verified};
        let t = |id: i64, status: Status, master: Option<i64>| Ticket {
            id: TicketId(id),
            master: master.map(TicketId),
            ..crate::workflow::tests::ticket(status)
        };
        let cases: [(Ticket, Ticket, bool, Result<(), &str>); 9] = [
            (t(2, New, None), t(1, InProgress, None), false, Ok(())),
            (t(2, OnHold, None), t(1, New, None), false, Ok(())),
            (t(1, New, None), t(1, New, None), false, Err("cannot duplicate itself")),
            (t(2, OnHold, Some(3)), t(1, New, None), false, Err("already a duplicate of #3")),
            (t(2, New, None), t(1, New, None), true, Err("master of other tickets")),
            (t(2, New, None), t(1, OnHold, Some(3)), false, Err("itself a duplicate of #3")),
            (t(2, Solved, None), t(1, New, None), false, Err("#2 is solved")),
            (t(2, New, None), t(1, Verified, None), false, Err("#1 is verified")),
            (t(2, New, None), t(1, Solved, None), false, Err("#1 is solved")),
        ];
        for (slave, master, has_slaves, expected) in cases {
            let what = format!("#{} under #{}", slave.id, master.id);
            assert_answer(check_master(&slave, &master, has_slaves), expected, &what);
        }
    }

    #[test]
    fn children_are_one_level_deep_under_an_open_parent() {
        use crate::status::Status::{InProgress, New, Solved, Verified};
        let t = |id: i64, status: Status| Ticket { id: TicketId(id), ..crate::workflow::tests::ticket(status) };
        let alone = Family::default();
        let child_of = |id: i64| Family { parent: Some(TicketId(id)), has_children: false };
        let parent = Family { parent: None, has_children: true };
        /// A child and where it stands, a parent and where it stands, and the answer.
        type Case = (Ticket, Family, Ticket, Family, Result<(), &'static str>);
        let cases: [Case; 9] = [
            (t(2, New), alone, t(1, InProgress), alone, Ok(())),
            (t(3, Solved), alone, t(1, InProgress), parent, Ok(())),
            (t(1, New), alone, t(1, New), alone, Err("part of itself")),
            (t(2, New), child_of(5), t(1, New), alone, Err("already a part of #5")),
            (t(2, New), parent, t(1, New), alone, Err("has parts of its own")),
            (t(2, New), alone, t(1, New), child_of(5), Err("itself a part of #5")),
            (t(2, New), alone, t(1, Solved), alone, Err("#1 is solved")),
            (t(2, Verified), alone, t(1, New), alone, Err("#2 is verified")),
            (t(2, New), alone, t(1, Verified), parent, Err("#1 is verified")),
        ];
        for (child, child_family, parent, parent_family, expected) in cases {
            let what = format!("#{} under #{}", child.id, parent.id);
            assert_answer(check_parent(&child, child_family, &parent, parent_family), expected, &what);
        }
    }

    #[test]
    fn a_related_link_is_a_web_address_shown_by_its_host() {
        let cases = [
            (" https://Bugs.Example.org/issue/12 ", Ok("bugs.example.org")),
            ("http://user@host.example:8080/x?y#z", Ok("host.example")),
            ("https://[2001:db8::1]:443/", Ok("2001:db8::1")),
            ("ftp://files.example.org/", Err("url")),
            ("javascript:alert(1)", Err("url")),
            ("https://", Err("url")),
        ];
        for (url, expected) in cases {
            let got = check_link(url).map(|kept| host_of(&kept)).map_err(|e| e[0].field.clone());
            assert_eq!(got, expected.map(str::to_owned).map_err(str::to_owned), "{url}");
        }
    }
}
