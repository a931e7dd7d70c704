//! The one access policy: who may read and do what to which ticket. Deny by default.
//!
//! Every channel (API, pages, e-mail, search, external systems) asks here; nothing else in the
//! code base decides access. The roles are DOMAIN.md's. For opening and working one's own tickets
//! they are cumulative (community < named < partner < supporter ...): any role above community
//! carries the rights of a support contract. Named users read and work their organisation's
//! tickets, partners those of the organisations they serve, supporters and unit managers the
//! tickets of their units, staff and admins every ticket.

use crate::account::Role;
use crate::organisation::Organisation;
use crate::status::{SetBy, Status};
use crate::team::TicketKind;
use crate::ticket::{Privacy, Ticket};
use crate::unit::Integration;
use crate::{AccountId, OrgId, TeamId, UnitId};

/// Who is acting, with everything the policy needs to know about them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// The account, or none for an anonymous visitor or the system.
    pub account: Option<AccountId>,
    /// Whether this is Helpdesk itself (timers, the worker), not a person.
    pub system: bool,
    /// The roles held, granted and derived.
    pub roles: Vec<Role>,
    /// The support units the person is a member of.
    pub units: Vec<UnitId>,
    /// The support units the person manages.
    pub managed_units: Vec<UnitId>,
    /// The organisations the person is a named user of (a member, with an active contract).
    pub organisations: Vec<OrgId>,
    /// The organisations the person serves as a partner.
    pub partner_of: Vec<OrgId>,
    /// Every organisation the person is a member of, supported ones first (not an access
    /// right: a new ticket of theirs belongs to the first).
    pub member_of: Vec<OrgId>,
    /// The teams the person is a member (or an alarmer) of: they work those teams' tickets as
    /// their requesters.
    pub teams: Vec<TeamId>,
    /// The teams whose alarms the person may raise.
    pub alarmer_of: Vec<TeamId>,
    /// The teams whose members the person keeps.
    pub manages_teams: Vec<TeamId>,
}

/// What a person belongs to, as far as access goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships {
    /// Units they are a member of.
    pub units: Vec<UnitId>,
    /// Units they manage.
    pub managed_units: Vec<UnitId>,
    /// Organisations they are a member of, those with a contract running today first.
    pub organisations: Vec<OrgId>,
    /// Organisations they are a member of whose contract runs today.
    pub supported: Vec<OrgId>,
    /// Organisations they serve as a partner.
    pub partner_of: Vec<OrgId>,
    /// Teams they are a member or an alarmer of.
    pub teams: Vec<TeamId>,
    /// Teams they are an alarmer of.
    pub alarmer_of: Vec<TeamId>,
    /// Teams whose members they keep.
    pub manages_teams: Vec<TeamId>,
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

    /// A signed-in person with the given roles and unit memberships.
    pub fn person(account: AccountId, roles: Vec<Role>, units: Vec<UnitId>, managed_units: Vec<UnitId>) -> Actor {
        Actor { account: Some(account), roles, units, managed_units, ..Actor::default() }
    }

    /// The person an account is today: its `granted` roles, plus those that follow from its
    /// memberships `m` (a named user of an organisation whose contract runs, a supporter of a
    /// unit, a unit's manager).
    pub fn of_account(account: AccountId, granted: &[Role], m: Memberships) -> Actor {
        let derived = [
            (Role::Named, !m.supported.is_empty()),
            (Role::Supporter, !m.units.is_empty()),
            (Role::UnitManager, !m.managed_units.is_empty()),
        ];
        let mut roles = granted.to_vec();
        roles.extend(derived.into_iter().filter(|(_, holds)| *holds).map(|(role, _)| role));
        roles.sort();
        roles.dedup();
        let mut actor =
            Actor::person(account, roles, m.units, m.managed_units).named_in(m.supported).serving(m.partner_of);
        actor.member_of = m.organisations;
        actor.teams = m.teams;
        actor.alarmer_of = m.alarmer_of;
        actor.manages_teams = m.manages_teams;
        actor
    }

    /// The same person writing on the mailing list of `unit`: a supporter of that unit for this
    /// reply when the unit works its tickets on its list (redirect mode) and `proof` shows that
    /// the reply came from the list (see [`speaks_for_list`]); as they are otherwise (a member of
    /// the unit is its supporter already).
    pub fn via_unit_list(mut self, unit: UnitId, integration: Integration, proof: ListProof) -> Actor {
        if !speaks_for_list(integration, proof) {
            return self;
        }
        if !self.units.contains(&unit) {
            self.units.push(unit);
        }
        if !self.has(Role::Supporter) {
            self.roles.push(Role::Supporter);
        }
        self
    }

    /// Whether this is a mail gateway's account and nothing more: it hands in messages and
    /// acts as nobody.
    fn gateway_only(&self) -> bool {
        self.has(Role::MailGateway) && self.roles.iter().all(|r| *r == Role::MailGateway)
    }

    /// The same actor, a named user of `organisations`.
    pub fn named_in(mut self, organisations: Vec<OrgId>) -> Actor {
        self.organisations = organisations;
        self
    }

    /// The same actor, partner of `organisations`.
    pub fn serving(mut self, organisations: Vec<OrgId>) -> Actor {
        self.partner_of = organisations;
        self
    }

    /// Whether the actor holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    fn is_operator(&self) -> bool {
        self.system || self.has(Role::Staff) || self.has(Role::Admin)
    }

    /// May open private tickets, attach files, and set priority and privacy on the tickets they
    /// requested: any role above community (DOMAIN.md's rows are cumulative).
    fn has_contract_rights(&self) -> bool {
        self.system || self.roles.iter().any(|r| *r != Role::Community)
    }

    /// The organisations whose tickets the actor reads as a requester.
    fn reads_for(&self, organisation: Option<OrgId>) -> bool {
        organisation.is_some_and(|o| self.organisations.contains(&o) || self.partner_of.contains(&o))
    }
}

/// What shows that a reply came from a unit's mailing list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListProof {
    /// It was sent to the ticket's reply address, whose secret only the copies sent to the
    /// unit's list carried.
    ReplyAddress,
    /// Nothing but the list's address among its recipients or as its sender: anyone can write
    /// that.
    Unproven,
}

/// Whether a reply on a unit's mailing list speaks for the unit (as its supporters do): only on
/// the list of a unit that works its tickets there (redirect mode), and only with proof that it
/// came from the list. Anything else is its sender's own mail, with its sender's own rights.
pub fn speaks_for_list(integration: Integration, proof: ListProof) -> bool {
    integration == Integration::Redirect && proof == ListProof::ReplyAddress
}

/// The parts of a ticket the policy looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    /// Who opened it.
    pub submitter: AccountId,
    /// The customer it was opened for, if someone opened it on their behalf.
    pub on_behalf_of: Option<AccountId>,
    /// The requester's organisation when it was opened.
    pub organisation: Option<OrgId>,
    /// The unit it is assigned to.
    pub unit: UnitId,
    /// Who owns it.
    pub owner: Option<AccountId>,
    /// Public or private.
    pub privacy: Privacy,
    /// Where it stands.
    pub status: Status,
    /// Whether it duplicates another ticket (has a master): it is worked on through its master.
    pub slave: bool,
    /// The team whose ticket (team or alarm) it is: its members work it as its requesters.
    pub team: Option<TeamId>,
}

impl From<&Ticket> for TicketFacts {
    fn from(t: &Ticket) -> Self {
        TicketFacts {
            submitter: t.submitter,
            on_behalf_of: t.on_behalf_of,
            organisation: t.organisation,
            unit: t.unit,
            owner: t.owner,
            privacy: t.privacy,
            status: t.status,
            slave: t.master.is_some(),
            team: t.team,
        }
    }
}

/// Something done to one ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    /// See the ticket, its public replies, its public history and its attachments.
    Read,
    /// See internal notes and the history entries about them.
    ReadInternal,
    /// Add a public reply.
    Reply,
    /// Add an internal note.
    AddInternalNote,
    /// Attach a file.
    Attach,
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
    /// See the e-mail addresses its copies go to ("send a copy to"): private data of the
    /// requester's side, not for everyone who may read a public ticket.
    ReadContacts,
    /// Escalate it once its response time has passed (GGUS's escalation button).
    Escalate,
    /// Follow it: get its public replies and its solution by mail.
    Follow,
    /// Tie it to another ticket, or untie it (the other must be readable too).
    Relate,
    /// Change what was written at opening: title, description, link, copies.
    Edit,
    /// Make a team ticket an alarm ticket (its team's alarmers, and its supporters who hold the
    /// alarm right).
    RaiseAlarm,
    /// Choose how the ticket's requester hears of it by mail: every change, or the solution
    /// only (GGUS's submitter mode); theirs alone.
    SetRequesterMode,
}

/// Something done outside any one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open a ticket with this privacy.
    OpenTicket(Privacy),
    /// Open a ticket on behalf of a customer who is a member of these organisations.
    OpenOnBehalfOf(Vec<OrgId>),
    /// Open a ticket of a team's (a team or an alarm ticket) for `team`.
    OpenForTeam {
        /// Team or alarm.
        kind: TicketKind,
        /// The team.
        team: TeamId,
    },
    /// Read units and categories.
    ReadCatalog,
    /// Enter the admin pages (each change made there is then checked as its own action).
    Administer,
    /// Attach files to a ticket one opens (as its requester: `TicketAction::Attach` on it).
    AttachOnOpening,
    /// Open tickets on behalf of someone at all (which customers, `OpenOnBehalfOf` says).
    ActForOthers,
    /// Work the supporters' queue (of one's units; staff see every unit's).
    WorkQueue,
    /// Triage the new tickets of a unit: only 1st-level units triage, by their members and staff.
    Triage {
        /// The unit.
        unit: UnitId,
        /// Its level (1st, 2nd, 3rd).
        level: i16,
    },
    /// Create or change units and categories.
    ManageCatalog,
    /// Create accounts and grant roles.
    ManageAccounts,
    /// List and search every account (the admin pages; staff look people up when triaging).
    ReadAccounts,
    /// Create or change organisations, their domains, partners and contracts.
    ManageOrganisations,
    /// Add or remove members and managers of a unit, and decide its join requests.
    ManageUnitMembers(UnitId),
    /// Create teams, rename them, change their addresses.
    ManageTeams,
    /// Add or remove a team's members, alarmers and managers, and sync them from a list.
    ManageTeamMembers(TeamId),
    /// See who a team's members are.
    ReadTeamMembers(TeamId),
    /// Hand in a raw e-mail message (an MTA's gateway).
    ReceiveMail,
    /// Read inbound messages as received, and have them processed again.
    ManageInboundMail,
    /// Set up the connectors of external-mode units (their credentials included).
    ManageConnectors,
    /// See the sync state of every external ticket and retry it; `first_level` says whether the
    /// person is a member of a 1st-level unit, which follows the tickets it passed on.
    FollowExternalTickets {
        /// Whether the person is a member of a 1st-level unit.
        first_level: bool,
    },
}

/// Who may triage, in words.
pub const TRIAGE_IS_FOR: &str = "triage is for members of a 1st-level support unit, and staff";

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
    /// Public tickets, plus the private ones the person requested (opened, or had opened on
    /// their behalf), those of `organisations`, those of `teams`, and those assigned to `units`.
    Restricted {
        /// The person looking, if signed in.
        account: Option<AccountId>,
        /// The units whose tickets the person works.
        units: Vec<UnitId>,
        /// The organisations whose tickets the person reads (named user or partner).
        organisations: Vec<OrgId>,
        /// The teams whose tickets the person works as a member.
        teams: Vec<TeamId>,
    },
}

impl Visibility {
    /// Whether a ticket passes this filter: the same rule the store applies in its queries.
    pub fn admits(&self, t: &TicketFacts) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Restricted { account, units, organisations, teams } => {
                t.privacy == Privacy::Public
                    || account.is_some_and(|a| a == t.submitter || Some(a) == t.on_behalf_of)
                    || units.contains(&t.unit)
                    || t.organisation.is_some_and(|o| organisations.contains(&o))
                    || t.team.is_some_and(|team| teams.contains(&team))
            }
        }
    }
}

/// The tickets `actor` may read, as a filter for lists, counts and search.
pub fn visibility(actor: &Actor) -> Visibility {
    if actor.is_operator() {
        Visibility::All
    } else {
        let mut organisations = actor.organisations.clone();
        organisations.extend(actor.partner_of.iter().copied());
        organisations.sort_unstable();
        organisations.dedup();
        Visibility::Restricted {
            account: actor.account,
            units: actor.units.clone(),
            organisations,
            teams: actor.teams.clone(),
        }
    }
}

/// Whose internal notes an actor may read, as a filter for search: the same rule as
/// [`TicketAction::ReadInternal`] on each ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InternalNotes {
    /// Every ticket's (staff and admins).
    All,
    /// Only those of tickets assigned to these units (none: no internal note at all).
    Units(Vec<UnitId>),
}

/// The internal notes `actor` may read, as a filter for search.
pub fn internal_notes(actor: &Actor) -> InternalNotes {
    if actor.is_operator() { InternalNotes::All } else { InternalNotes::Units(actor.units.clone()) }
}

/// Which organisations an actor may read. Reading is all: changing them is
/// [`Action::ManageOrganisations`], for admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationVisibility {
    /// Every organisation: staff and admins, who read every ticket (as Zammad's agents read
    /// every organization).
    All,
    /// Those the person is a named user or a partner of, and those with a ticket assigned to
    /// one of the person's units (the supporters who work their tickets).
    Restricted {
        /// The organisations the person belongs to or serves.
        organisations: Vec<OrgId>,
        /// The units whose tickets the person works.
        units: Vec<UnitId>,
    },
}

impl OrganisationVisibility {
    /// Whether an organisation passes this filter; `worked_here` says whether one of its tickets
    /// is assigned to one of the restricted `units` (the store answers it by the same rule its
    /// lists apply).
    pub fn admits(&self, organisation: OrgId, worked_here: bool) -> bool {
        match self {
            OrganisationVisibility::All => true,
            OrganisationVisibility::Restricted { organisations, .. } => {
                organisations.contains(&organisation) || worked_here
            }
        }
    }
}

/// The organisations `actor` may read, as a filter for lists; refused to whoever may read none.
pub fn organisation_visibility(actor: &Actor) -> Result<OrganisationVisibility, Denied> {
    if actor.is_operator() {
        return Ok(OrganisationVisibility::All);
    }
    let mut organisations = actor.organisations.clone();
    organisations.extend(actor.partner_of.iter().copied());
    organisations.sort_unstable();
    organisations.dedup();
    if organisations.is_empty() && actor.units.is_empty() {
        return deny(
            "only staff, supporters, and the named users and partners of an organisation may read organisations",
        );
    }
    Ok(OrganisationVisibility::Restricted { organisations, units: actor.units.clone() })
}

/// The organisation as `actor` may see it: its contracts and its partners are for admins and
/// for its own named users and partners; staff and supporters see whether it is supported.
pub fn organisation_shown_to(actor: &Actor, mut organisation: Organisation) -> Organisation {
    let own = actor.organisations.contains(&organisation.id) || actor.partner_of.contains(&organisation.id);
    if !(actor.system || actor.has(Role::Admin) || own) {
        organisation.contracts.clear();
        organisation.partners.clear();
    }
    organisation
}

/// Whether `actor` may do `action` outside any one ticket.
pub fn check(actor: &Actor, action: Action) -> Result<(), Denied> {
    let signed_in = (actor.account.is_some() && !actor.gateway_only()) || actor.system;
    match action {
        Action::ReadCatalog => Ok(()),
        Action::OpenTicket(_) | Action::OpenOnBehalfOf(_) if !signed_in => deny("sign in to open a ticket"),
        Action::OpenTicket(Privacy::Public) => Ok(()),
        Action::OpenForTeam { .. } if !signed_in => deny("sign in to open a ticket"),
        Action::OpenForTeam { kind: TicketKind::Alarm, team } if actor.alarmer_of.contains(&team) => Ok(()),
        Action::OpenForTeam { kind: TicketKind::Alarm, .. } => deny("only the team's alarmers may open alarm tickets"),
        Action::OpenForTeam { kind: TicketKind::Team, team } if actor.teams.contains(&team) => Ok(()),
        Action::OpenForTeam { kind: TicketKind::Team, .. } => deny("only the team's members may open team tickets"),
        Action::OpenForTeam { kind: TicketKind::User, .. } => deny("a user ticket is nobody's team's"),
        Action::AttachOnOpening if signed_in && actor.has_contract_rights() => Ok(()),
        Action::AttachOnOpening => deny("only named users, partners, supporters and staff may attach files"),
        Action::ActForOthers if actor.is_operator() || (signed_in && actor.has(Role::Partner)) => Ok(()),
        Action::ActForOthers => deny("only staff and partners may open a ticket on someone's behalf"),
        Action::WorkQueue if actor.is_operator() || (signed_in && !actor.units.is_empty()) => Ok(()),
        Action::WorkQueue => deny("the queue is for members of support units; ask to join one on the Units page"),
        Action::Triage { level, .. } if level != 1 => deny("only 1st-level units triage new tickets"),
        Action::Triage { unit, .. } if actor.is_operator() || (signed_in && actor.units.contains(&unit)) => Ok(()),
        Action::Triage { .. } => deny(TRIAGE_IS_FOR),
        Action::OpenTicket(Privacy::Private) if actor.has_contract_rights() => Ok(()),
        Action::OpenTicket(Privacy::Private) => {
            deny("only named users, partners, supporters and staff may open private tickets")
        }
        Action::OpenOnBehalfOf(_) if actor.is_operator() => Ok(()),
        Action::OpenOnBehalfOf(orgs)
            if actor.has(Role::Partner) && orgs.iter().any(|o| actor.partner_of.contains(o)) =>
        {
            Ok(())
        }
        Action::OpenOnBehalfOf(_) => {
            deny("only staff, and partners for the organisations they serve, may open a ticket on someone's behalf")
        }
        Action::Administer if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::Administer => deny("the admin pages are for admins"),
        Action::ManageCatalog if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageCatalog => deny("only admins may change units and categories"),
        Action::ManageAccounts if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageAccounts => deny("only admins may manage accounts"),
        Action::ReadAccounts if actor.is_operator() => Ok(()),
        Action::ReadAccounts => deny("only staff and admins may list accounts"),
        Action::ManageOrganisations if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageOrganisations => deny("only admins may manage organisations and contracts"),
        Action::ManageUnitMembers(_) if actor.is_operator() => Ok(()),
        Action::ManageUnitMembers(unit) if actor.managed_units.contains(&unit) => Ok(()),
        Action::ManageUnitMembers(_) => deny("only the unit's managers and staff may manage its members"),
        Action::ManageTeams if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageTeams => deny("only admins may create and change teams"),
        Action::ManageTeamMembers(_) if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageTeamMembers(team) if signed_in && actor.manages_teams.contains(&team) => Ok(()),
        Action::ManageTeamMembers(_) => deny("only admins and the team's managers may change its members"),
        Action::ReadTeamMembers(_) if actor.is_operator() => Ok(()),
        Action::ReadTeamMembers(team) if signed_in && actor.teams.contains(&team) => Ok(()),
        Action::ReadTeamMembers(team) if signed_in && actor.manages_teams.contains(&team) => Ok(()),
        Action::ReadTeamMembers(_) => deny("a team's members are for its members, staff and admins"),
        Action::ReceiveMail if actor.system || actor.has(Role::MailGateway) || actor.has(Role::Admin) => Ok(()),
        Action::ReceiveMail => deny("only a mail gateway's token may hand in messages"),
        Action::ManageInboundMail if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageInboundMail => deny("only admins may read inbound messages as received"),
        Action::ManageConnectors if actor.system || actor.has(Role::Admin) => Ok(()),
        Action::ManageConnectors => deny("only admins may set up connectors to other ticketing systems"),
        Action::FollowExternalTickets { first_level } if first_level || actor.is_operator() => Ok(()),
        Action::FollowExternalTickets { .. } => {
            deny("only staff and members of a 1st-level unit may follow tickets in other ticketing systems")
        }
    }
}

/// Whether `actor` may do `action` to the ticket described by `t`.
pub fn check_ticket(actor: &Actor, action: TicketAction, t: &TicketFacts) -> Result<(), Denied> {
    let worker = actor.is_operator() || actor.units.contains(&t.unit);
    // A team's members work its team and alarm tickets as their requesters, whoever opened them.
    let teammate = t.team.is_some_and(|team| actor.teams.contains(&team)) && !actor.gateway_only();
    let requester = (actor.account.is_some()
        && (actor.account == Some(t.submitter) || actor.account == t.on_behalf_of))
        || teammate;
    // Named users of the ticket's organisation and its partners act on the requester's side.
    let requester_side = requester || actor.reads_for(t.organisation);
    let readable = worker || requester_side || t.privacy == Privacy::Public;
    if !readable {
        return deny("this ticket is private");
    }
    if t.slave && works_on(action, requester_side) {
        return deny("this ticket duplicates another and is worked on through its master; detach it first");
    }
    match action {
        TicketAction::Read => Ok(()),
        TicketAction::ReadContacts if worker || requester_side => Ok(()),
        TicketAction::ReadContacts => deny("the addresses of a ticket's copies are for its requesters and supporters"),
        TicketAction::ReadInternal | TicketAction::AddInternalNote if worker => Ok(()),
        TicketAction::ReadInternal | TicketAction::AddInternalNote => {
            deny("internal notes are for the supporters of the ticket's unit and staff")
        }
        TicketAction::Reply if (actor.account.is_none() || actor.gateway_only()) && !actor.system => {
            deny("sign in to reply")
        }
        TicketAction::Reply => Ok(()),
        TicketAction::SetStatus(to) => check_status(actor, to, worker, requester, requester_side),
        TicketAction::SetPriority | TicketAction::SetPrivacy | TicketAction::Attach if worker => Ok(()),
        TicketAction::SetPriority | TicketAction::SetPrivacy | TicketAction::Attach
            if requester_side && actor.has_contract_rights() =>
        {
            Ok(())
        }
        TicketAction::SetPriority => deny(
            "only the ticket's supporters, staff, or its requesters with a support contract may change the priority",
        ),
        TicketAction::SetPrivacy => deny(
            "only the ticket's supporters, staff, or its requesters with a support contract may change the privacy",
        ),
        TicketAction::Attach => {
            deny("only the ticket's supporters, staff, or its requesters with a support contract may attach files")
        }
        TicketAction::SetUnit if worker => Ok(()),
        TicketAction::SetUnit => deny("only the supporters of the ticket's unit and staff may reassign it"),
        TicketAction::SetOwner(new_owner) => check_owner(actor, t, new_owner),
        TicketAction::Escalate if requester_side && !actor.gateway_only() => Ok(()),
        TicketAction::Escalate => deny("only the ticket's requesters may escalate it"),
        TicketAction::Follow if actor.account.is_none() || actor.gateway_only() => deny("sign in to follow a ticket"),
        TicketAction::Follow => Ok(()),
        TicketAction::Relate if worker => Ok(()),
        TicketAction::Relate => {
            deny("only the supporters of the ticket's unit and staff may relate it to other tickets")
        }
        TicketAction::Edit if worker => Ok(()),
        TicketAction::Edit if requester_side && !actor.gateway_only() && !t.status.is_terminal() => Ok(()),
        TicketAction::Edit if requester_side => deny("a solved ticket is reopened before its requesters edit it"),
        TicketAction::Edit => deny("only the ticket's requesters and its supporters may edit it"),
        TicketAction::RaiseAlarm if t.team.is_some_and(|team| actor.alarmer_of.contains(&team)) => Ok(()),
        TicketAction::RaiseAlarm if t.team.is_some() && worker && actor.has(Role::Alarm) => Ok(()),
        TicketAction::RaiseAlarm => {
            deny("only the team's alarmers, and the ticket's supporters with the alarm right, may raise an alarm")
        }
        TicketAction::SetRequesterMode
            if actor.account.is_some()
                && !actor.gateway_only()
                && (actor.account == Some(t.submitter) || actor.account == t.on_behalf_of) =>
        {
            Ok(())
        }
        TicketAction::SetRequesterMode => deny("only the ticket's requester chooses how they hear of it"),
    }
}

/// Whether `action` works on a ticket rather than reads it or speaks for its requester: what a
/// duplicate (a slave) is spared while its master is worked on. Its requesters still reply,
/// edit, reopen and verify it (reopening detaches it).
fn works_on(action: TicketAction, requester_side: bool) -> bool {
    match action {
        TicketAction::Read | TicketAction::ReadInternal | TicketAction::ReadContacts => false,
        TicketAction::Follow | TicketAction::Relate => false,
        TicketAction::Reply | TicketAction::Edit | TicketAction::SetStatus(_) | TicketAction::Attach => !requester_side,
        TicketAction::Escalate | TicketAction::SetRequesterMode => false,
        TicketAction::RaiseAlarm
        | TicketAction::AddInternalNote
        | TicketAction::SetPriority
        | TicketAction::SetPrivacy
        | TicketAction::SetUnit
        | TicketAction::SetOwner(_) => true,
    }
}

/// The unit as `actor` may see it: its alarm address (which wakes people at night) only for its
/// members, staff and admins.
pub fn unit_shown_to(actor: &Actor, mut unit: crate::unit::Unit) -> crate::unit::Unit {
    if !(actor.is_operator() || actor.units.contains(&unit.id)) {
        unit.alarm_email.clear();
    }
    unit
}

/// The ticket as `actor` may see it: fields the policy keeps from them are emptied.
pub fn shown_to(actor: &Actor, mut ticket: Ticket) -> Ticket {
    if check_ticket(actor, TicketAction::ReadContacts, &TicketFacts::from(&ticket)).is_err() {
        ticket.copy_to.clear();
    }
    ticket
}

fn check_status(actor: &Actor, to: Status, worker: bool, requester: bool, requester_side: bool) -> Result<(), Denied> {
    match to.set_by() {
        SetBy::System if actor.system => Ok(()),
        SetBy::System => deny(format!("'{to}' is set by Helpdesk itself")),
        SetBy::UnitAssignment if worker => Ok(()),
        SetBy::UnitAssignment => deny("'assigned' follows from assigning a unit"),
        SetBy::Person => match to {
            Status::Verified if requester => Ok(()),
            Status::Verified => deny(
                "only the submitter, the person it was opened for, or a member of the ticket's team may verify a solution",
            ),
            Status::Solved | Status::Unsolved | Status::Reopened if requester_side || worker => Ok(()),
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

    const ME: AccountId = AccountId(1);
    const OTHER: AccountId = AccountId(2);
    const COLLEAGUE: AccountId = AccountId(3);
    const O1: OrgId = OrgId(100);
    const O2: OrgId = OrgId(200);
    const U1: UnitId = UnitId(10);
    const U2: UnitId = UnitId(20);
    const T1: TeamId = TeamId(1000);
    const T2: TeamId = TeamId(2000);

    /// The actor playing each role. "Same organisation" is O1 and "assigned unit" U1 for all
    /// of them; the community user is a member of O1, whose contract does not make them named.
    fn role(name: &str) -> Actor {
        match name {
            "anonymous" => Actor::anonymous(),
            "community" => Actor::person(ME, vec![Community], vec![], vec![]),
            "named" => Actor::person(ME, vec![Named], vec![], vec![]).named_in(vec![O1]),
            "partner" => Actor::person(ME, vec![Partner], vec![], vec![]).serving(vec![O1]),
            "supporter" => Actor::person(ME, vec![Supporter], vec![U1], vec![]),
            "unit manager" => Actor::person(ME, vec![Supporter, UnitManager], vec![U1], vec![U1]),
            "staff" => Actor::person(ME, vec![Staff], vec![], vec![]),
            "admin" => Actor::person(ME, vec![Admin], vec![], vec![]),
            "mail gateway" => Actor::person(ME, vec![MailGateway], vec![], vec![]),
            "team member" => Actor { teams: vec![T1], ..role("community") },
            "other team" => Actor { teams: vec![T2], ..role("community") },
            "alarmer" => Actor { teams: vec![T1], alarmer_of: vec![T1], ..role("community") },
            "alarm supporter" => Actor::person(ME, vec![Supporter, Alarm], vec![U1], vec![]),
            "team manager" => Actor { teams: vec![T1], manages_teams: vec![T1], ..role("community") },
            _ => unreachable!("no role {name}"),
        }
    }

    /// A ticket in the given relation to the actor, and the organisations of the customer that
    /// "open on behalf of" is asked about in that relation.
    fn related(relation: &str, privacy: Privacy) -> (TicketFacts, Vec<OrgId>) {
        let (submitter, organisation, unit, customer_orgs) = match relation {
            "own" => (ME, None, U2, vec![]),
            "same org" => (OTHER, Some(O1), U2, vec![O1]),
            "other org" => (OTHER, Some(O2), U2, vec![O2]),
            "assigned unit" => (OTHER, None, U1, vec![]),
            "other unit" | "team ticket" => (OTHER, None, U2, vec![]),
            "team in unit" => (OTHER, None, U1, vec![]),
            _ => unreachable!("no relation {relation}"),
        };
        let facts = TicketFacts {
            submitter,
            on_behalf_of: None,
            organisation,
            unit,
            owner: None,
            privacy,
            status: Status::InProgress,
            slave: false,
            // "team ticket" is team T1's, opened by another member; "team in unit" too, in U1.
            team: relation.starts_with("team").then_some(T1),
        };
        (facts, customer_orgs)
    }

    /// Every role the tables play.
    const ROLES: [&str; 11] = [
        "anonymous",
        "community",
        "named",
        "partner",
        "supporter",
        "unit manager",
        "staff",
        "admin",
        "team member",
        "other team",
        "alarmer",
    ];

    /// Every relation of a ticket to the actor.
    const RELATIONS: [&str; 7] =
        ["own", "same org", "other org", "assigned unit", "other unit", "team ticket", "team in unit"];

    /// The matrix's columns, in order.
    const COLUMNS: &str = "R read, Y reply, N internal note, I read internal notes, H status on_hold, \
        S status solved, P priority, V privacy, A assign an owner, E escalate to another unit, T attach, \
        X escalate as a requester, F follow, L relate, D edit, W raise an alarm, M choose the requester's mail, \
        B open on behalf of";

    fn answers(actor: &Actor, t: &TicketFacts, customer_orgs: &[OrgId]) -> String {
        let actions = [
            TicketAction::Read,
            TicketAction::Reply,
            TicketAction::AddInternalNote,
            TicketAction::ReadInternal,
            TicketAction::SetStatus(Status::OnHold),
            TicketAction::SetStatus(Status::Solved),
            TicketAction::SetPriority,
            TicketAction::SetPrivacy,
            TicketAction::SetOwner(Some(COLLEAGUE)),
            TicketAction::SetUnit,
            TicketAction::Attach,
            TicketAction::Escalate,
            TicketAction::Follow,
            TicketAction::Relate,
            TicketAction::Edit,
            TicketAction::RaiseAlarm,
            TicketAction::SetRequesterMode,
        ];
        let mut out: String = actions
            .iter()
            .zip("RYNIHSPVAETXFLDWM".chars())
            .map(|(a, c)| if check_ticket(actor, *a, t).is_ok() { c } else { '.' })
            .collect();
        out.push(if check(actor, Action::OpenOnBehalfOf(customer_orgs.to_vec())).is_ok() { 'B' } else { '.' });
        out
    }

    #[test]
    fn the_access_matrix() {
        // role, relation, expected on a public ticket, expected on a private ticket.
        // Columns: see COLUMNS. Written out by hand from DOMAIN.md; never computed.
        let matrix: &[(&str, &str, &str, &str)] = &[
            ("anonymous", "own", "R.................", ".................."),
            ("anonymous", "same org", "R.................", ".................."),
            ("anonymous", "other org", "R.................", ".................."),
            ("anonymous", "assigned unit", "R.................", ".................."),
            ("anonymous", "other unit", "R.................", ".................."),
            ("community", "own", "RY...S.....XF.D.M.", "RY...S.....XF.D.M."),
            ("community", "same org", "RY..........F.....", ".................."),
            ("community", "other org", "RY..........F.....", ".................."),
            ("community", "assigned unit", "RY..........F.....", ".................."),
            ("community", "other unit", "RY..........F.....", ".................."),
            ("named", "own", "RY...SPV..TXF.D.M.", "RY...SPV..TXF.D.M."),
            ("named", "same org", "RY...SPV..TXF.D...", "RY...SPV..TXF.D..."),
            ("named", "other org", "RY..........F.....", ".................."),
            ("named", "assigned unit", "RY..........F.....", ".................."),
            ("named", "other unit", "RY..........F.....", ".................."),
            ("partner", "own", "RY...SPV..TXF.D.M.", "RY...SPV..TXF.D.M."),
            ("partner", "same org", "RY...SPV..TXF.D..B", "RY...SPV..TXF.D..B"),
            ("partner", "other org", "RY..........F.....", ".................."),
            ("partner", "assigned unit", "RY..........F.....", ".................."),
            ("partner", "other unit", "RY..........F.....", ".................."),
            ("supporter", "own", "RY...SPV..TXF.D.M.", "RY...SPV..TXF.D.M."),
            ("supporter", "same org", "RY..........F.....", ".................."),
            ("supporter", "other org", "RY..........F.....", ".................."),
            ("supporter", "assigned unit", "RYNIHSPV.ET.FLD...", "RYNIHSPV.ET.FLD..."),
            ("supporter", "other unit", "RY..........F.....", ".................."),
            ("unit manager", "own", "RY...SPV..TXF.D.M.", "RY...SPV..TXF.D.M."),
            ("unit manager", "same org", "RY..........F.....", ".................."),
            ("unit manager", "other org", "RY..........F.....", ".................."),
            ("unit manager", "assigned unit", "RYNIHSPVAET.FLD...", "RYNIHSPVAET.FLD..."),
            ("unit manager", "other unit", "RY..........F.....", ".................."),
            ("staff", "own", "RYNIHSPVAETXFLD.MB", "RYNIHSPVAETXFLD.MB"),
            ("staff", "same org", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("staff", "other org", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("staff", "assigned unit", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("staff", "other unit", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("admin", "own", "RYNIHSPVAETXFLD.MB", "RYNIHSPVAETXFLD.MB"),
            ("admin", "same org", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("admin", "other org", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("admin", "assigned unit", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("admin", "other unit", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
            ("team member", "own", "RY...S.....XF.D.M.", "RY...S.....XF.D.M."),
            ("team member", "other unit", "RY..........F.....", ".................."),
            ("team member", "team ticket", "RY...S.....XF.D...", "RY...S.....XF.D..."),
            ("other team", "team ticket", "RY..........F.....", ".................."),
            ("alarmer", "team ticket", "RY...S.....XF.DW..", "RY...S.....XF.DW.."),
            ("alarmer", "other unit", "RY..........F.....", ".................."),
            ("community", "team ticket", "RY..........F.....", ".................."),
            ("supporter", "team ticket", "RY..........F.....", ".................."),
            ("alarm supporter", "team ticket", "RY..........F.....", ".................."),
            ("alarm supporter", "team in unit", "RYNIHSPV.ET.FLDW..", "RYNIHSPV.ET.FLDW.."),
            ("supporter", "team in unit", "RYNIHSPV.ET.FLD...", "RYNIHSPV.ET.FLD..."),
            ("staff", "team ticket", "RYNIHSPVAET.FLD..B", "RYNIHSPVAET.FLD..B"),
        ];
        let mut wrong = Vec::new();
        for (name, relation, public, private) in matrix {
            for (privacy, expected) in [(Privacy::Public, public), (Privacy::Private, private)] {
                let (t, customer_orgs) = related(relation, privacy);
                let got = answers(&role(name), &t, &customer_orgs);
                if got != *expected {
                    wrong.push(format!("{name:>12} / {relation:<13} / {privacy:<7}: expected {expected}, got {got}"));
                }
            }
        }
        assert!(wrong.is_empty(), "columns: {COLUMNS}\n{}", wrong.join("\n"));
    }

    #[test]
    fn a_duplicate_is_read_and_answered_by_its_requesters_and_worked_on_through_its_master() {
        use TicketAction as A;
        let slave = TicketFacts {
            submitter: ME,
            on_behalf_of: None,
            organisation: None,
            unit: U1,
            owner: None,
            privacy: Privacy::Public,
            status: Status::OnHold,
            slave: true,
            team: None,
        };
        let requester = Actor::person(ME, vec![Community], vec![], vec![]);
        let supporter = Actor::person(OTHER, vec![Supporter], vec![U1], vec![]);
        let staff = Actor::person(COLLEAGUE, vec![Staff], vec![], vec![]);
        let cases: [(&Actor, A, bool); 16] = [
            (&requester, A::Read, true),
            (&requester, A::Reply, true),
            (&requester, A::Edit, true),
            // Whether a ticket on hold can be reopened is the status table's answer, not the policy's.
            (&requester, A::SetStatus(Status::Reopened), true),
            (&supporter, A::Read, true),
            (&supporter, A::ReadInternal, true),
            (&supporter, A::Relate, true),
            (&supporter, A::Follow, true),
            (&supporter, A::Reply, false),
            (&supporter, A::AddInternalNote, false),
            (&supporter, A::SetStatus(Status::InProgress), false),
            (&supporter, A::SetOwner(Some(OTHER)), false),
            (&supporter, A::SetUnit, false),
            (&supporter, A::Edit, false),
            (&staff, A::SetPriority, false),
            (&staff, A::Relate, true),
        ];
        for (actor, action, allowed) in cases {
            assert_eq!(check_ticket(actor, action, &slave).is_ok(), allowed, "{action:?} by {:?}", actor.roles);
            let alone = TicketFacts { slave: false, ..slave };
            if !allowed {
                assert!(check_ticket(actor, action, &alone).is_ok(), "{action:?} is refused only as a duplicate");
            }
        }
    }

    #[test]
    fn a_teams_members_verify_its_tickets_and_other_teams_do_not() {
        let (team_ticket, _) = related("team ticket", Privacy::Private);
        let solved = TicketFacts { status: Status::Solved, ..team_ticket };
        // (role, may verify)
        let table = [("team member", true), ("alarmer", true), ("other team", false), ("staff", false)];
        for (name, allowed) in table {
            let got = check_ticket(&role(name), TicketAction::SetStatus(Status::Verified), &solved).is_ok();
            assert_eq!(got, allowed, "{name}");
        }
        // Without a team, a ticket is its requesters' alone.
        let user = TicketFacts { team: None, ..solved };
        assert!(check_ticket(&role("team member"), TicketAction::SetStatus(Status::Verified), &user).is_err());
    }

    #[test]
    fn who_opens_team_and_alarm_tickets() {
        let open = |kind, team| Action::OpenForTeam { kind, team };
        let table = [
            ("team member", open(TicketKind::Team, T1), true),
            ("team member", open(TicketKind::Alarm, T1), false),
            ("alarmer", open(TicketKind::Alarm, T1), true),
            ("alarmer", open(TicketKind::Team, T1), true),
            ("other team", open(TicketKind::Team, T1), false),
            ("alarm supporter", open(TicketKind::Alarm, T1), false),
            ("staff", open(TicketKind::Team, T1), false),
            ("team member", open(TicketKind::User, T1), false),
        ];
        for (name, action, allowed) in table {
            assert_eq!(check(&role(name), action.clone()).is_ok(), allowed, "{name} {action:?}");
        }
        let gone = Actor { account: None, ..role("alarmer") };
        assert!(check(&gone, open(TicketKind::Alarm, T1)).is_err(), "signed in only");
    }

    #[test]
    fn requesters_and_their_colleagues() {
        use TicketAction as A;
        let on_behalf = TicketFacts {
            submitter: OTHER,
            on_behalf_of: Some(ME),
            organisation: None,
            unit: U2,
            owner: None,
            privacy: Privacy::Private,
            status: Status::Solved,
            slave: false,
            team: None,
        };
        let customer = Actor::person(ME, vec![Community], vec![], vec![]);
        let colleague = Actor::person(COLLEAGUE, vec![Named], vec![], vec![]).named_in(vec![O1]);
        let staff = Actor::person(COLLEAGUE, vec![Staff], vec![], vec![]);
        // (actor, action, allowed, why)
        let table: &[(&Actor, TicketAction, bool, &str)] = &[
            (&customer, A::Read, true, "the customer reads what was opened for them"),
            (&customer, A::SetStatus(Status::Verified), true, "and verifies its solution"),
            (&colleague, A::Read, false, "a named user of another organisation does not read it"),
            (&staff, A::SetStatus(Status::Verified), false, "nor does staff, for them"),
        ];
        for (actor, action, allowed, why) in table {
            assert_eq!(check_ticket(actor, *action, &on_behalf).is_ok(), *allowed, "{why}");
        }
        let company = TicketFacts { organisation: Some(O1), on_behalf_of: None, ..on_behalf };
        assert!(check_ticket(&colleague, A::SetStatus(Status::Reopened), &company).is_ok(), "a colleague reopens");
        assert!(
            check_ticket(&colleague, A::SetStatus(Status::Verified), &company).is_err(),
            "but only the submitter verifies"
        );
    }

    #[test]
    fn copy_addresses_are_for_the_requesters_side_and_the_workers() {
        let public = |relation| related(relation, Privacy::Public).0;
        // (role, relation, may read the copy addresses)
        let table = [
            ("anonymous", "own", false),
            ("community", "own", true),
            ("community", "other unit", false),
            ("named", "same org", true),
            ("named", "other org", false),
            ("partner", "same org", true),
            ("supporter", "assigned unit", true),
            ("supporter", "other unit", false),
            ("staff", "other unit", true),
        ];
        for (name, relation, allowed) in table {
            let got = check_ticket(&role(name), TicketAction::ReadContacts, &public(relation)).is_ok();
            assert_eq!(got, allowed, "{name} / {relation}");
        }
    }

    #[test]
    fn roles_follow_from_memberships_besides_those_granted() {
        let none = Memberships::default();
        let table: &[(&[Role], Memberships, &[Role])] = &[
            (&[Community], none.clone(), &[Community]),
            (&[Community], Memberships { supported: vec![O1], ..none.clone() }, &[Community, Named]),
            (&[Community], Memberships { organisations: vec![O1], ..none.clone() }, &[Community]),
            (&[Community], Memberships { units: vec![U1], ..none.clone() }, &[Community, Supporter]),
            (
                &[Community],
                Memberships { units: vec![U1], managed_units: vec![U1], ..none.clone() },
                &[Community, Supporter, UnitManager],
            ),
            (&[Staff, Supporter], Memberships { units: vec![U1], ..none.clone() }, &[Supporter, Staff]),
            (&[Partner], Memberships { partner_of: vec![O2], ..none.clone() }, &[Partner]),
        ];
        for (granted, memberships, expected) in table {
            let actor = Actor::of_account(ME, granted, memberships.clone());
            let mut expected = expected.to_vec();
            expected.sort();
            assert_eq!(actor.roles, expected, "{granted:?} with {memberships:?}");
            assert_eq!(actor.units, memberships.units);
            assert_eq!(actor.organisations, memberships.supported);
            assert_eq!(actor.partner_of, memberships.partner_of);
            assert_eq!(actor.member_of, memberships.organisations);
        }
    }

    #[test]
    fn who_may_do_what_outside_a_ticket() {
        let table: &[(&str, Action, bool)] = &[
            ("anonymous", Action::ReadCatalog, true),
            ("anonymous", Action::OpenTicket(Privacy::Public), false),
            ("community", Action::OpenTicket(Privacy::Public), true),
            ("community", Action::OpenTicket(Privacy::Private), false),
            ("named", Action::OpenTicket(Privacy::Private), true),
            ("supporter", Action::OpenTicket(Privacy::Private), true),
            ("staff", Action::OpenTicket(Privacy::Private), true),
            ("partner", Action::OpenOnBehalfOf(vec![O2, O1]), true),
            ("partner", Action::OpenOnBehalfOf(vec![]), false),
            ("staff", Action::OpenOnBehalfOf(vec![]), true),
            ("named", Action::OpenOnBehalfOf(vec![O1]), false),
            ("admin", Action::Administer, true),
            ("staff", Action::Administer, false),
            ("unit manager", Action::Administer, false),
            ("community", Action::Administer, false),
            ("anonymous", Action::Administer, false),
            ("mail gateway", Action::Administer, false),
            ("community", Action::AttachOnOpening, false),
            ("anonymous", Action::AttachOnOpening, false),
            ("named", Action::AttachOnOpening, true),
            ("partner", Action::AttachOnOpening, true),
            ("supporter", Action::AttachOnOpening, true),
            ("mail gateway", Action::AttachOnOpening, false),
            ("partner", Action::ActForOthers, true),
            ("staff", Action::ActForOthers, true),
            ("admin", Action::ActForOthers, true),
            ("named", Action::ActForOthers, false),
            ("supporter", Action::ActForOthers, false),
            ("community", Action::ActForOthers, false),
            ("supporter", Action::WorkQueue, true),
            ("unit manager", Action::WorkQueue, true),
            ("staff", Action::WorkQueue, true),
            ("admin", Action::WorkQueue, true),
            ("named", Action::WorkQueue, false),
            ("staff", Action::Triage { unit: U2, level: 1 }, true),
            ("admin", Action::Triage { unit: U2, level: 1 }, true),
            ("staff", Action::Triage { unit: U2, level: 2 }, false),
            ("supporter", Action::Triage { unit: U1, level: 1 }, true),
            ("supporter", Action::Triage { unit: U1, level: 2 }, false),
            ("supporter", Action::Triage { unit: U2, level: 1 }, false),
            ("unit manager", Action::Triage { unit: U1, level: 1 }, true),
            ("community", Action::Triage { unit: U2, level: 1 }, false),
            ("anonymous", Action::Triage { unit: U2, level: 1 }, false),
            ("community", Action::WorkQueue, false),
            ("anonymous", Action::WorkQueue, false),
            ("staff", Action::ManageCatalog, false),
            ("admin", Action::ManageCatalog, true),
            ("unit manager", Action::ManageCatalog, false),
            ("staff", Action::ManageAccounts, false),
            ("admin", Action::ManageAccounts, true),
            ("staff", Action::ReadAccounts, true),
            ("admin", Action::ReadAccounts, true),
            ("unit manager", Action::ReadAccounts, false),
            ("community", Action::ReadAccounts, false),
            ("anonymous", Action::ReadAccounts, false),
            ("admin", Action::ManageOrganisations, true),
            ("staff", Action::ManageOrganisations, false),
            ("unit manager", Action::ManageUnitMembers(U1), true),
            ("unit manager", Action::ManageUnitMembers(U2), false),
            ("supporter", Action::ManageUnitMembers(U1), false),
            ("staff", Action::ManageUnitMembers(U2), true),
            ("mail gateway", Action::ReceiveMail, true),
            ("admin", Action::ReceiveMail, true),
            ("staff", Action::ReceiveMail, false),
            ("community", Action::ReceiveMail, false),
            ("anonymous", Action::ReceiveMail, false),
            ("admin", Action::ManageInboundMail, true),
            ("staff", Action::ManageInboundMail, false),
            ("mail gateway", Action::ManageInboundMail, false),
            ("admin", Action::ManageConnectors, true),
            ("staff", Action::ManageConnectors, false),
            ("unit manager", Action::ManageConnectors, false),
            ("staff", Action::FollowExternalTickets { first_level: false }, true),
            ("supporter", Action::FollowExternalTickets { first_level: true }, true),
            ("supporter", Action::FollowExternalTickets { first_level: false }, false),
            ("community", Action::FollowExternalTickets { first_level: false }, false),
            ("anonymous", Action::FollowExternalTickets { first_level: false }, false),
            ("mail gateway", Action::ManageCatalog, false),
            ("admin", Action::ManageTeams, true),
            ("staff", Action::ManageTeams, false),
            ("team member", Action::ManageTeams, false),
            ("admin", Action::ManageTeamMembers(T1), true),
            ("team manager", Action::ManageTeamMembers(T1), true),
            ("team manager", Action::ManageTeamMembers(T2), false),
            ("team member", Action::ManageTeamMembers(T1), false),
            ("staff", Action::ManageTeamMembers(T1), false),
            ("staff", Action::ReadTeamMembers(T1), true),
            ("team member", Action::ReadTeamMembers(T1), true),
            ("other team", Action::ReadTeamMembers(T1), false),
            ("community", Action::ReadTeamMembers(T1), false),
            ("mail gateway", Action::OpenTicket(Privacy::Private), false),
            ("mail gateway", Action::OpenTicket(Privacy::Public), false),
        ];
        for (name, action, allowed) in table {
            assert_eq!(check(&role(name), action.clone()).is_ok(), *allowed, "{name} {action:?}");
        }
        assert!(check(&Actor::system(), Action::ManageAccounts).is_ok());
    }

    #[test]
    fn the_list_filter_admits_exactly_what_may_be_read() {
        for name in ROLES {
            let actor = role(name);
            for relation in RELATIONS {
                for privacy in [Privacy::Public, Privacy::Private] {
                    let (t, _) = related(relation, privacy);
                    assert_eq!(
                        visibility(&actor).admits(&t),
                        check_ticket(&actor, TicketAction::Read, &t).is_ok(),
                        "{name} / {relation} / {privacy}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_search_filter_on_internal_notes_matches_the_policy() {
        for name in ROLES {
            let actor = role(name);
            for relation in RELATIONS {
                let (t, _) = related(relation, Privacy::Public);
                let admitted = match internal_notes(&actor) {
                    InternalNotes::All => true,
                    InternalNotes::Units(units) => units.contains(&t.unit),
                };
                assert_eq!(
                    admitted,
                    check_ticket(&actor, TicketAction::ReadInternal, &t).is_ok(),
                    "{name} / {relation}"
                );
            }
        }
    }

    #[test]
    fn a_reply_on_a_units_list_speaks_for_the_unit_only_with_proof() {
        use TicketAction as A;
        let (private, _) = related("assigned unit", Privacy::Private);
        let (public, _) = related("assigned unit", Privacy::Public);
        let stranger = Actor::person(COLLEAGUE, vec![Community], vec![], vec![]);
        let member = role("supporter");
        // (who, integration, proof, may reply on the private ticket, may add an internal note on the public one)
        let table = [
            (&stranger, Integration::Redirect, ListProof::ReplyAddress, true, true),
            (&stranger, Integration::Redirect, ListProof::Unproven, false, false),
            (&stranger, Integration::Direct, ListProof::ReplyAddress, false, false),
            (&stranger, Integration::External, ListProof::ReplyAddress, false, false),
            (&member, Integration::Redirect, ListProof::Unproven, true, true),
            (&member, Integration::Direct, ListProof::Unproven, true, true),
        ];
        for (who, integration, proof, reply, note) in table {
            let actor = who.clone().via_unit_list(U1, integration, proof);
            let case = format!("{:?} {integration:?} {proof:?}", who.roles);
            assert_eq!(check_ticket(&actor, A::Reply, &private).is_ok(), reply, "{case}");
            assert_eq!(check_ticket(&actor, A::AddInternalNote, &public).is_ok(), note, "{case}");
            assert_eq!(speaks_for_list(integration, proof), who.units.is_empty() && reply, "{case}");
        }
        // Speaking for one unit's list grants nothing on another unit's tickets.
        let (other, _) = related("other unit", Privacy::Private);
        let actor = stranger.via_unit_list(U1, Integration::Redirect, ListProof::ReplyAddress);
        assert!(check_ticket(&actor, A::Read, &other).is_err());
    }

    #[test]
    fn who_reads_which_organisations() {
        use OrganisationVisibility as V;
        let restricted = |organisations: Vec<OrgId>, units: Vec<UnitId>| V::Restricted { organisations, units };
        // (role, what they may read); "same org" is O1 and "assigned unit" U1 for all of them.
        let table: Vec<(&str, Result<OrganisationVisibility, ()>)> = vec![
            ("anonymous", Err(())),
            ("community", Err(())),
            ("mail gateway", Err(())),
            ("named", Ok(restricted(vec![O1], vec![]))),
            ("partner", Ok(restricted(vec![O1], vec![]))),
            ("supporter", Ok(restricted(vec![], vec![U1]))),
            ("unit manager", Ok(restricted(vec![], vec![U1]))),
            ("staff", Ok(V::All)),
            ("admin", Ok(V::All)),
        ];
        for (name, expected) in table {
            assert_eq!(organisation_visibility(&role(name)).map_err(|_| ()), expected, "{name}");
        }
        assert_eq!(organisation_visibility(&Actor::system()), Ok(V::All));
        // (filter, organisation, one of its tickets in the units, admitted)
        let supporter = restricted(vec![], vec![U1]);
        let named = restricted(vec![O1], vec![]);
        let table = [
            (&V::All, O2, false, true),
            (&named, O1, false, true),
            (&named, O2, false, false),
            (&supporter, O2, true, true),
            (&supporter, O2, false, false),
        ];
        for (filter, organisation, worked_here, admitted) in table {
            assert_eq!(filter.admits(organisation, worked_here), admitted, "{filter:?} {organisation} {worked_here}");
        }
        // Only admins change them.
        for name in ["named", "partner", "supporter", "staff"] {
            assert!(check(&role(name), Action::ManageOrganisations).is_err(), "{name}");
        }
    }

    #[test]
    fn contracts_and_partners_are_for_admins_and_the_organisations_own() {
        let org = |id: OrgId| Organisation {
            id,
            name: "Acme".into(),
            domains: vec!["acme.example.org".into()],
            partners: vec![OTHER],
            contracts: vec![crate::organisation::Contract {
                id: 1,
                organisation: id,
                plan: "Gold".into(),
                starts_on: time::macros::date!(2026 - 01 - 01),
                ends_on: None,
                includes: "24/7".into(),
            }],
            supported: true,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        // (role, organisation, sees its contracts and partners)
        let table = [
            ("admin", O2, true),
            ("named", O1, true),
            ("partner", O1, true),
            ("named", O2, false),
            ("staff", O1, false),
            ("supporter", O1, false),
        ];
        for (name, id, sees) in table {
            let shown = organisation_shown_to(&role(name), org(id));
            assert_eq!((shown.contracts.len(), shown.partners.len()), if sees { (1, 1) } else { (0, 0) }, "{name}");
            assert_eq!((shown.supported, shown.domains.len()), (true, 1), "{name} sees the rest");
        }
    }

    #[test]
    fn owners() {
        use TicketAction as A;
        let (mut t, _) = related("assigned unit", Privacy::Public);
        let supporter = role("supporter");
        assert!(check_ticket(&supporter, A::SetOwner(Some(ME)), &t).is_ok(), "take an unowned ticket");
        t.owner = Some(ME);
        assert!(check_ticket(&supporter, A::SetOwner(None), &t).is_ok(), "give back one's own");
        t.owner = Some(COLLEAGUE);
        assert!(check_ticket(&supporter, A::SetOwner(Some(ME)), &t).is_err(), "not take a colleague's");
        assert!(check_ticket(&supporter, A::SetOwner(None), &t).is_err(), "nor take it away");
        assert!(check_ticket(&role("unit manager"), A::SetOwner(None), &t).is_ok(), "the manager may");
    }
}
