//! The one access policy: who may read and do what to which ticket. Deny by default.
//!
//! Every channel (API, pages, e-mail, search, external systems) asks here; nothing else in the
//! code base decides access. The roles are DOMAIN.md's: for opening and working their own tickets
//! they are cumulative (community < named < partner), supporters and unit managers work the
//! tickets of their units, staff and admins work every ticket.

use crate::account::Role;
use crate::status::{SetBy, Status};
use crate::ticket::{Privacy, Ticket};
use crate::{AccountId, UnitId};

/// Who is acting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The account, or none for an anonymous visitor or the system.
    pub account: Option<AccountId>,
    /// Whether this is Helpdesk itself (timers, the worker), not a person.
    pub system: bool,
    /// The roles held.
    pub roles: Vec<Role>,
    /// The support units the person is a member of.
    pub units: Vec<UnitId>,
    /// The support units the person manages.
    pub managed_units: Vec<UnitId>,
}

impl Actor {
    /// A visitor who has not signed in.
    pub fn anonymous() -> Actor {
        Actor::default()
    }

    /// Helpdesk itself.
    pub fn system() -> Actor {
        Actor { system: true, ..Actor::default() }
    }

    /// A signed-in person with the given roles and memberships.
    pub fn person(account: AccountId, roles: Vec<Role>, units: Vec<UnitId>, managed_units: Vec<UnitId>) -> Actor {
        Actor { account: Some(account), system: false, roles, units, managed_units }
    }

    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn is_operator(&self) -> bool {
        self.system || self.has(Role::Staff) || self.has(Role::Admin)
    }

    /// May open private tickets and set priority and privacy on their own: any role above
    /// community (DOMAIN.md's rows are cumulative).
    fn has_contract_rights(&self) -> bool {
        self.roles.iter().any(|r| *r != Role::Community)
    }
}

/// The parts of a ticket the policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    /// Who opened it.
    pub submitter: AccountId,
    /// The unit it is assigned to.
    pub unit: UnitId,
    /// Who owns it.
    pub owner: Option<AccountId>,
    /// Public or private.
    pub privacy: Privacy,
    /// Where it stands.
    pub status: Status,
}

impl From<&Ticket> for TicketFacts {
    fn from(t: &Ticket) -> Self {
        TicketFacts { submitter: t.submitter, unit: t.unit, owner: t.owner, privacy: t.privacy, status: t.status }
    }
}

/// Something done to one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// See the ticket, its public replies and its public history.
    Read,
    /// See internal notes and the history entries about them.
    ReadInternal,
    /// Add a public reply.
    Reply,
    /// Add an internal note.
    AddInternalNote,
    /// Move it to a status.
    SetStatus(Status),
    /// Change its priority.
    SetPriority,
    /// Make it public or private.
    SetPrivacy,
    /// Reassign or escalate it to another unit.
    SetUnit,
    /// Give it to an owner, or take the owner away (`None`).
    SetOwner(Option<AccountId>),
}

/// Something done outside any one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a ticket with this privacy.
    OpenTicket(Privacy),
    /// Read units and categories.
    ReadCatalog,
    /// Create or change units and categories.
    ManageCatalog,
    /// Create accounts and grant roles.
    ManageAccounts,
}

/// Why the policy said no, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Denied(pub String);

fn deny<T>(why: impl Into<String>) -> Result<T, Denied> {
    Err(Denied(why.into()))
}

/// Which tickets an actor may see in lists and counts; the store turns it into a query filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every ticket.
    All,
    /// Public tickets, plus the private ones opened by `account` or assigned to one of `units`.
    Restricted {
        /// The person looking, if signed in.
        account: Option<AccountId>,
        /// The units whose tickets the person works.
        units: Vec<UnitId>,
    },
}

impl Visibility {
    /// Whether a ticket passes this filter: the same rule the store applies in its queries.
    pub fn admits(&self, t: &TicketFacts) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Restricted { account, units } => {
                t.privacy == Privacy::Public || *account == Some(t.submitter) || units.contains(&t.unit)
            }
        }
    }
}

/// The tickets `actor` may read, as a filter for lists, counts and search.
pub fn visibility(actor: &Actor) -> Visibility {
    if actor.is_operator() {
        Visibility::All
    } else {
        Visibility::Restricted { account: actor.account, units: actor.units.clone() }
    }
}

/// Whether `actor` may do `action` outside any one ticket.
pub fn check(actor: &Actor, action: Action) -> Result<(), Denied> {
    let signed_in = actor.account.is_some() || actor.system;
    match action {
        Action::ReadCatalog => Ok(()),
        Action::OpenTicket(_) if !signed_in => deny("sign in to open a ticket"),
        Action::OpenTicket(Privacy::Public) => Ok(()),
        Action::OpenTicket(Privacy::Private) if actor.is_operator() || actor.has_contract_rights() => Ok(()),
        Action::OpenTicket(Privacy::Private) => {
            deny("only named users, partners, supporters and staff may open private tickets")
        }
        Action::ManageCatalog | Action::ManageAccounts if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageCatalog => deny("only admins may change units and categories"),
        Action::ManageAccounts => deny("only admins may manage accounts"),
    }
}

/// Whether `actor` may do `action` to the ticket described by `t`.
pub fn check_ticket(actor: &Actor, action: TicketAction, t: &TicketFacts) -> Result<(), Denied> {
    let worker = actor.is_operator() || actor.units.contains(&t.unit);
    let requester = actor.account.is_some() && actor.account == Some(t.submitter);
    let readable = worker || requester || t.privacy == Privacy::Public;
    if !readable {
        return deny("this ticket is private");
    }
    match action {
        TicketAction::Read => Ok(()),
        TicketAction::ReadInternal | TicketAction::AddInternalNote if worker => Ok(()),
        TicketAction::ReadInternal | TicketAction::AddInternalNote => {
            deny("internal notes are for the supporters of the ticket's unit and staff")
        }
        TicketAction::Reply if actor.account.is_none() && !actor.system => deny("sign in to reply"),
        TicketAction::Reply => Ok(()),
        TicketAction::SetStatus(to) => check_status(actor, to, worker, requester),
        TicketAction::SetPriority | TicketAction::SetPrivacy if worker => Ok(()),
        TicketAction::SetPriority | TicketAction::SetPrivacy if requester && actor.has_contract_rights() => Ok(()),
        TicketAction::SetPriority => {
            deny("only the ticket's supporters, staff, or a submitter with a support contract may change the priority")
        }
        TicketAction::SetPrivacy => {
            deny("only the ticket's supporters, staff, or a submitter with a support contract may change the privacy")
        }
        TicketAction::SetUnit if worker => Ok(()),
        TicketAction::SetUnit => deny("only the supporters of the ticket's unit and staff may reassign it"),
        TicketAction::SetOwner(new_owner) => check_owner(actor, t, new_owner),
    }
}

fn check_status(actor: &Actor, to: Status, worker: bool, requester: bool) -> Result<(), Denied> {
    match to.set_by() {
        SetBy::System if actor.system => Ok(()),
        SetBy::System => deny(format!("'{to}' is set by Helpdesk itself")),
        SetBy::UnitAssignment if worker => Ok(()),
        SetBy::UnitAssignment => deny("'assigned' follows from assigning a unit"),
        SetBy::Person => match to {
            Status::Verified if requester => Ok(()),
            Status::Verified => deny("only the submitter may verify a solution"),
            Status::Solved | Status::Unsolved | Status::Reopened if requester || worker => Ok(()),
            _ if worker => Ok(()),
            _ => deny(format!("only the ticket's supporters and staff may set '{to}'")),
        },
    }
}

fn check_owner(actor: &Actor, t: &TicketFacts, new_owner: Option<AccountId>) -> Result<(), Denied> {
    let manager = actor.managed_units.contains(&t.unit);
    let member = actor.units.contains(&t.unit);
    let me = actor.account;
    // A supporter may take an unowned ticket, and give back their own.
    let takes = new_owner.is_some() && new_owner == me && t.owner.is_none();
    let gives_back = new_owner.is_none() && t.owner.is_some() && t.owner == me;
    if actor.is_operator() || manager || (member && (takes || gives_back)) {
        Ok(())
    } else if member {
        deny("a supporter may take an unowned ticket or give back their own; the unit's managers assign the rest")
    } else {
        deny("only the managers of the ticket's unit and staff may assign an owner")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;
    use Status::*;
    use TicketAction as A;

    const SUBMITTER: AccountId = 1;
    const OTHER: AccountId = 2;
    const SUPPORTER: AccountId = 3;
    const MANAGER: AccountId = 4;
    const STAFF: AccountId = 5;
    const UNIT: UnitId = 10;
    const OTHER_UNIT: UnitId = 11;

    fn ticket(privacy: Privacy, owner: Option<AccountId>) -> TicketFacts {
        TicketFacts { submitter: SUBMITTER, unit: UNIT, owner, privacy, status: InProgress }
    }

    fn who(name: &str) -> Actor {
        match name {
            "anonymous" => Actor::anonymous(),
            "system" => Actor::system(),
            "submitter" => Actor::person(SUBMITTER, vec![Community], vec![], vec![]),
            "named submitter" => Actor::person(SUBMITTER, vec![Named], vec![], vec![]),
            "other community" => Actor::person(OTHER, vec![Community], vec![], vec![]),
            "other named" => Actor::person(OTHER, vec![Named], vec![], vec![]),
            "supporter" => Actor::person(SUPPORTER, vec![Supporter], vec![UNIT], vec![]),
            "other unit's supporter" => Actor::person(SUPPORTER, vec![Supporter], vec![OTHER_UNIT], vec![]),
            "manager" => Actor::person(MANAGER, vec![Supporter, UnitManager], vec![UNIT], vec![UNIT]),
            "staff" => Actor::person(STAFF, vec![Staff], vec![], vec![]),
            "admin" => Actor::person(STAFF, vec![Admin], vec![], vec![]),
            _ => unreachable!("unknown actor {name}"),
        }
    }

    #[test]
    fn who_may_do_what_to_a_ticket() {
        use Privacy::*;
        // (actor, action, privacy, current owner, allowed)
        let table: &[(&str, TicketAction, Privacy, Option<AccountId>, bool)] = &[
            // reading
            ("anonymous", A::Read, Public, None, true),
            ("anonymous", A::Read, Private, None, false),
            ("other community", A::Read, Private, None, false),
            ("other named", A::Read, Private, None, false),
            ("other unit's supporter", A::Read, Private, None, false),
            ("submitter", A::Read, Private, None, true),
            ("supporter", A::Read, Private, None, true),
            ("staff", A::Read, Private, None, true),
            ("admin", A::Read, Private, None, true),
            ("system", A::Read, Private, None, true),
            // internal notes
            ("submitter", A::ReadInternal, Public, None, false),
            ("other unit's supporter", A::ReadInternal, Public, None, false),
            ("supporter", A::ReadInternal, Private, None, true),
            ("staff", A::AddInternalNote, Public, None, true),
            ("submitter", A::AddInternalNote, Public, None, false),
            // replies
            ("anonymous", A::Reply, Public, None, false),
            ("other community", A::Reply, Public, None, true),
            ("other community", A::Reply, Private, None, false),
            ("submitter", A::Reply, Private, None, true),
            // status
            ("submitter", A::SetStatus(Verified), Public, None, true),
            ("staff", A::SetStatus(Verified), Public, None, false),
            ("supporter", A::SetStatus(Verified), Public, None, false),
            ("submitter", A::SetStatus(Reopened), Public, None, true),
            ("submitter", A::SetStatus(Solved), Public, None, true),
            ("submitter", A::SetStatus(OnHold), Public, None, false),
            ("other community", A::SetStatus(Solved), Public, None, false),
            ("supporter", A::SetStatus(OnHold), Private, None, true),
            ("other unit's supporter", A::SetStatus(OnHold), Public, None, false),
            ("staff", A::SetStatus(Closed), Public, None, false),
            ("system", A::SetStatus(Closed), Public, None, true),
            ("admin", A::SetStatus(New), Public, None, false),
            ("supporter", A::SetStatus(Assigned), Public, None, true),
            ("submitter", A::SetStatus(Assigned), Public, None, false),
            // priority and privacy
            ("submitter", A::SetPriority, Public, None, false),
            ("named submitter", A::SetPriority, Public, None, true),
            ("named submitter", A::SetPrivacy, Public, None, true),
            ("other named", A::SetPriority, Public, None, false),
            ("supporter", A::SetPriority, Public, None, true),
            ("other unit's supporter", A::SetPrivacy, Public, None, false),
            // unit
            ("supporter", A::SetUnit, Public, None, true),
            ("named submitter", A::SetUnit, Public, None, false),
            ("staff", A::SetUnit, Private, None, true),
            // owner
            ("supporter", A::SetOwner(Some(SUPPORTER)), Public, None, true),
            ("supporter", A::SetOwner(Some(SUPPORTER)), Public, Some(MANAGER), false),
            ("supporter", A::SetOwner(Some(MANAGER)), Public, None, false),
            ("supporter", A::SetOwner(None), Public, Some(SUPPORTER), true),
            ("supporter", A::SetOwner(None), Public, Some(MANAGER), false),
            ("manager", A::SetOwner(Some(SUPPORTER)), Public, Some(MANAGER), true),
            ("other unit's supporter", A::SetOwner(Some(SUPPORTER)), Public, None, false),
            ("staff", A::SetOwner(Some(SUPPORTER)), Private, None, true),
            ("submitter", A::SetOwner(Some(SUBMITTER)), Public, None, false),
        ];
        for (name, action, privacy, owner, allowed) in table {
            let got = check_ticket(&who(name), *action, &ticket(*privacy, *owner));
            assert_eq!(got.is_ok(), *allowed, "{name} {action:?} on a {privacy} ticket owned by {owner:?}: {got:?}");
        }
    }

    #[test]
    fn who_may_do_what_outside_a_ticket() {
        let table: &[(&str, Action, bool)] = &[
            ("anonymous", Action::ReadCatalog, true),
            ("anonymous", Action::OpenTicket(Privacy::Public), false),
            ("other community", Action::OpenTicket(Privacy::Public), true),
            ("other community", Action::OpenTicket(Privacy::Private), false),
            ("other named", Action::OpenTicket(Privacy::Private), true),
            ("supporter", Action::OpenTicket(Privacy::Private), true),
            ("staff", Action::OpenTicket(Privacy::Private), true),
            ("staff", Action::ManageCatalog, false),
            ("admin", Action::ManageCatalog, true),
            ("manager", Action::ManageCatalog, false),
            ("staff", Action::ManageAccounts, false),
            ("admin", Action::ManageAccounts, true),
            ("system", Action::ManageAccounts, true),
        ];
        for (name, action, allowed) in table {
            assert_eq!(check(&who(name), *action).is_ok(), *allowed, "{name} {action:?}");
        }
    }

    #[test]
    fn the_list_filter_admits_exactly_what_may_be_read() {
        let actors = [
            "anonymous",
            "system",
            "submitter",
            "named submitter",
            "other community",
            "other named",
            "supporter",
            "other unit's supporter",
            "manager",
            "staff",
            "admin",
        ];
        for name in actors {
            let actor = who(name);
            for privacy in [Privacy::Public, Privacy::Private] {
                let t = ticket(privacy, None);
                assert_eq!(
                    visibility(&actor).admits(&t),
                    check_ticket(&actor, A::Read, &t).is_ok(),
                    "{name} on a {privacy} ticket"
                );
            }
        }
    }
}
