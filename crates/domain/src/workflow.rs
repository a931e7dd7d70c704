//! What opening, changing and replying to a ticket does: the rules applied in order, returning
//! the new state and the history it leaves, or why it is refused. The app layer loads, calls one
//! of these, and writes the result in one transaction.

use serde_json::{Map, Value};

use crate::account::Email;
use crate::category::{Category, check_field_values};
use crate::history::Change;
use crate::policy::{Action, Actor, Denied, TicketAction, TicketFacts, check, check_ticket};
use crate::status::{Resolution, Status};
use crate::team::TicketKind;
use crate::ticket::{
    MAX_COPY_TO, MAX_LINK_URL_CHARS, MAX_TITLE_CHARS, Priority, Privacy, SecurityRisk, Ticket, TicketType,
};
use crate::triage::{TriageInput, suggested_priority};
use crate::validation::{Errors, FieldError, check_email, check_line, check_text, check_url};
use crate::{AccountId, CategoryId, OrgId, TeamId, UnitId};

/// Largest description or article body, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Longest reason for a priority override, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a rule refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The access policy said no.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// The command clashes with the ticket's state (e.g. a move the status table forbids).
    #[error("{detail}")]
    Conflict {
        /// What clashes, in words a person can act on.
        detail: String,
        /// The statuses the actor could move the ticket to instead.
        allowed: Vec<Status>,
    },
    /// Some values are not acceptable.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
}

impl From<Vec<FieldError>> for RuleError {
    fn from(errors: Vec<FieldError>) -> Self {
        RuleError::Invalid(errors)
    }
}

/// What a person asks for when opening a ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenTicket {
    /// One line.
    pub title: String,
    /// The description.
    pub description: String,
    /// Incident or service request.
    pub ticket_type: TicketType,
    /// The category.
    pub category: CategoryId,
    /// Public or private.
    pub privacy: Privacy,
    /// Users affected (triage).
    pub affected_users: i64,
    /// Whether a service is degraded (triage).
    pub service_degraded: bool,
    /// Security risk (triage).
    pub security_risk: SecurityRisk,
    /// Values of the category's fields.
    pub fields: Map<String, Value>,
    /// The customer to open it for, if not the actor.
    pub on_behalf_of: Option<AccountId>,
    /// Addresses to send a copy of the public replies to (at most 10).
    pub copy_to: Vec<String>,
    /// A link to what the ticket is about (http or https); blank is none.
    pub link_url: Option<String>,
    /// A priority other than the triage's, for those who may set priorities (named users,
    /// partners, supporters, staff); it needs `priority_reason`.
    pub priority: Option<Priority>,
    /// Why the priority differs from the triage's.
    pub priority_reason: Option<String>,
    /// Whose ticket it is: the opener's (`user`, the default), a team's, or a team's alarm.
    pub kind: TicketKind,
    /// The team of a team or alarm ticket.
    pub team: Option<TeamId>,
    /// The unit a team or alarm ticket goes straight to (bypassing the 1st level).
    pub unit: Option<UnitId>,
}

/// Who a new ticket is for, as the store knows them: the actor, or the customer it is opened
/// on behalf of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// Their account.
    pub account: AccountId,
    /// The organisations they are a member of, those with an active contract first.
    pub organisations: Vec<OrgId>,
}

/// A ticket ready to be stored (it gets its number and times from the store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// One line, trimmed.
    pub title: String,
    /// The description.
    pub description: String,
    /// Incident or service request.
    pub ticket_type: TicketType,
    /// The category.
    pub category: CategoryId,
    /// The category's default unit.
    pub unit: UnitId,
    /// Always `new`.
    pub status: Status,
    /// The triage result.
    pub priority: Priority,
    /// The triage result, kept to judge later overrides.
    pub suggested_priority: Priority,
    /// Public or private.
    pub privacy: Privacy,
    /// Validated category field values.
    pub fields: Map<String, Value>,
    /// Users affected (triage).
    pub affected_users: i64,
    /// Whether a service is degraded (triage).
    pub service_degraded: bool,
    /// Security risk (triage).
    pub security_risk: SecurityRisk,
    /// Who opens it.
    pub submitter: AccountId,
    /// The customer it is for, if not the submitter.
    pub on_behalf_of: Option<AccountId>,
    /// The requester's organisation.
    pub organisation: Option<OrgId>,
    /// Validated addresses, lower-case, each once.
    pub copy_to: Vec<String>,
    /// A validated http or https link.
    pub link_url: Option<String>,
    /// User, team or alarm.
    pub kind: TicketKind,
    /// The team of a team or alarm ticket.
    pub team: Option<TeamId>,
}

impl NewTicket {
    /// What the policy looks at, for what is done with the ticket as it is opened (attaching).
    pub fn facts(&self) -> TicketFacts {
        TicketFacts {
            submitter: self.submitter,
            on_behalf_of: self.on_behalf_of,
            organisation: self.organisation,
            unit: self.unit,
            owner: None,
            privacy: self.privacy,
            status: self.status,
            slave: false,
            team: self.team,
        }
    }
}

/// Opens a ticket in `category` for `requester`: checks the policy and every value, runs triage,
/// routes it to the category's default unit. The ticket belongs to the requester's organisation
/// (for a partner, the one they serve). Returns the ticket and the history of its creation.
pub fn open(
    actor: &Actor,
    cmd: OpenTicket,
    category: &Category,
    requester: &Requester,
) -> Result<(NewTicket, Vec<Change>), RuleError> {
    check(actor, Action::OpenTicket(cmd.privacy))?;
    let team = check_kind(actor, &cmd)?;
    let submitter = actor.account.ok_or_else(|| Denied("sign in to open a ticket".into()))?;
    let on_behalf_of = (requester.account != submitter).then_some(requester.account);
    if on_behalf_of.is_some() {
        check(actor, Action::OpenOnBehalfOf(requester.organisations.clone()))?;
    }
    let organisation = requester
        .organisations
        .iter()
        .find(|o| on_behalf_of.is_some() && actor.partner_of.contains(o))
        .or(requester.organisations.first())
        .copied();
    let mut errors = Errors::new();
    check_line(&mut errors, "title", &cmd.title, MAX_TITLE_CHARS);
    check_text(&mut errors, "description", &cmd.description, MAX_BODY_BYTES);
    errors.check(cmd.affected_users < 0, "affected_users", "must be 0 or more");
    let reason = cmd.priority_reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if let Some(reason) = &reason {
        errors.check(cmd.priority.is_none(), "priority_reason", "goes with a priority");
        errors.check(
            reason.chars().count() > MAX_REASON_CHARS,
            "priority_reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        );
    }
    let copy_to = check_copy_to(&mut errors, &cmd.copy_to);
    let link_url = cmd.link_url.as_deref().map(str::trim).filter(|u| !u.is_empty()).map(str::to_owned);
    if let Some(url) = &link_url {
        check_url(&mut errors, "link_url", url, MAX_LINK_URL_CHARS);
    }
    let fields = match check_field_values(&category.fields, &cmd.fields) {
        Ok(fields) => fields,
        Err(field_errors) => {
            errors.extend(field_errors);
            Map::new()
        }
    };
    errors.finish(())?;
    let priority = suggested_priority(&TriageInput {
        ticket_type: cmd.ticket_type,
        affected_users: cmd.affected_users,
        service_degraded: cmd.service_degraded,
        security_risk: cmd.security_risk,
    });
    let mut ticket = NewTicket {
        title: cmd.title.trim().to_owned(),
        description: cmd.description,
        ticket_type: cmd.ticket_type,
        category: category.id,
        unit: category.default_unit,
        status: Status::New,
        priority,
        suggested_priority: priority,
        privacy: cmd.privacy,
        fields,
        affected_users: cmd.affected_users,
        service_degraded: cmd.service_degraded,
        security_risk: cmd.security_risk,
        submitter,
        on_behalf_of,
        organisation,
        copy_to,
        link_url,
        kind: cmd.kind,
        team,
    };
    if let Some(unit) = cmd.unit.filter(|_| cmd.kind.has_team()) {
        ticket.unit = unit;
    }
    let mut why = Some("triage".to_owned());
    if let Some(chosen) = cmd.priority.filter(|p| *p != ticket.suggested_priority) {
        check_ticket(actor, TicketAction::SetPriority, &ticket.facts())?;
        if reason.is_none() {
            return Err(RuleError::Invalid(vec![FieldError::new(
                "priority_reason",
                format!("triage suggests {}; a priority of {chosen} needs a reason", ticket.suggested_priority),
            )]));
        }
        ticket.priority = chosen;
        why = reason;
    }
    if cmd.kind == TicketKind::Alarm {
        ticket.priority = Priority::Top;
        why = Some("alarm".to_owned());
    }
    let none = Value::Null;
    let mut history = vec![
        Change::new("status", &none, ticket.status),
        Change::new("priority", &none, ticket.priority).because(why),
        Change::new("unit", &none, ticket.unit),
        Change::new("privacy", &none, ticket.privacy),
    ];
    if let Some(customer) = on_behalf_of {
        history.push(Change::new("on_behalf_of", &none, customer));
    }
    if let Some(team) = ticket.team {
        history.push(Change::new("kind", &none, ticket.kind));
        history.push(Change::new("team", &none, team));
    }
    Ok((ticket, history))
}

/// A part of `parent`'s request for another unit (GGUS's child ticket), as a supporter who
/// may relate the parent opens it: its own title, description and unit; the parent's requester,
/// category, fields, type, privacy, triage and priority (a part is as urgent as the whole); a
/// team's request stays the team's (an alarm's parts are team tickets: only alarmers open
/// alarms). Opened `new` in `unit`, which hears of it as of any new ticket.
pub fn open_child(
    actor: &Actor,
    parent: &Ticket,
    title: &str,
    description: &str,
    unit: UnitId,
) -> Result<(NewTicket, Vec<Change>), RuleError> {
    check_ticket(actor, TicketAction::Relate, &TicketFacts::from(parent))?;
    let mut errors = Errors::new();
    check_line(&mut errors, "title", title, MAX_TITLE_CHARS);
    check_text(&mut errors, "description", description, MAX_BODY_BYTES);
    errors.finish(())?;
    let kind = if parent.kind.has_team() { TicketKind::Team } else { TicketKind::User };
    let ticket = NewTicket {
        title: title.trim().to_owned(),
        description: description.to_owned(),
        ticket_type: parent.ticket_type,
        category: parent.category,
        unit,
        status: Status::New,
        priority: parent.priority,
        suggested_priority: parent.suggested_priority,
        privacy: parent.privacy,
        fields: parent.fields.clone(),
        affected_users: parent.affected_users,
        service_degraded: parent.service_degraded,
        security_risk: parent.security_risk,
        submitter: parent.submitter,
        on_behalf_of: parent.on_behalf_of,
        organisation: parent.organisation,
        copy_to: Vec::new(),
        link_url: None,
        kind,
        team: parent.team,
    };
    let none = Value::Null;
    let mut history = vec![
        Change::new("status", &none, ticket.status),
        Change::new("priority", &none, ticket.priority).because(Some("as the request it is a part of".to_owned())),
        Change::new("unit", &none, ticket.unit),
        Change::new("privacy", &none, ticket.privacy),
    ];
    if let Some(customer) = ticket.on_behalf_of {
        history.push(Change::new("on_behalf_of", &none, customer));
    }
    if let Some(team) = ticket.team {
        history.push(Change::new("kind", &none, ticket.kind));
        history.push(Change::new("team", &none, team));
    }
    Ok((ticket, history))
}

/// The team of a new team or alarm ticket, once the policy allows it: a team and a unit go
/// with those kinds and with no other.
fn check_kind(actor: &Actor, cmd: &OpenTicket) -> Result<Option<TeamId>, RuleError> {
    if !cmd.kind.has_team() {
        let mut errors = Errors::new();
        errors.check(cmd.team.is_some(), "team", "goes with a team or alarm ticket");
        errors.check(
            cmd.unit.is_some(),
            "unit",
            "only team and alarm tickets go straight to a unit; others are routed by their category",
        );
        errors.finish(())?;
        return Ok(None);
    }
    let mut errors = Errors::new();
    errors.check(cmd.team.is_none(), "team", format!("a {} ticket names its team", cmd.kind));
    errors.check(cmd.unit.is_none(), "unit", format!("a {} ticket names the unit it goes to", cmd.kind));
    errors.finish(())?;
    let team = cmd.team.ok_or_else(|| Denied("a team ticket names its team".into()))?;
    check(actor, Action::OpenForTeam { kind: cmd.kind, team })?;
    Ok(Some(team))
}

/// A team ticket raised to an alarm (GGUS's TEAM → ALARM): the only change of kind there is. It
/// takes the top priority, and its unit hears of it as of a new alarm.
pub fn raise_alarm(actor: &Actor, ticket: &Ticket) -> Result<(Ticket, Vec<Change>), RuleError> {
    let facts = TicketFacts::from(ticket);
    check_ticket(actor, TicketAction::Read, &facts)?;
    if ticket.kind != TicketKind::Team {
        return Err(RuleError::Conflict {
            detail: format!(
                "ticket #{} is a {} ticket; only a team ticket is raised to an alarm",
                ticket.id, ticket.kind
            ),
            allowed: vec![],
        });
    }
    check_ticket(actor, TicketAction::RaiseAlarm, &facts)?;
    if ticket.status.is_terminal() {
        return Err(RuleError::Conflict {
            detail: format!("ticket #{} is {}; reopen it before raising an alarm", ticket.id, ticket.status),
            allowed: vec![],
        });
    }
    let mut next = ticket.clone();
    next.kind = TicketKind::Alarm;
    next.priority = Priority::Top;
    let mut changes = vec![Change::new("kind", ticket.kind, next.kind)];
    if ticket.priority != Priority::Top {
        changes.push(Change::new("priority", ticket.priority, Priority::Top).because(Some("alarm".to_owned())));
    }
    Ok((next, changes))
}

/// Checks "send a copy to" addresses: at most [`MAX_COPY_TO`], each an address (`copy_to[i]`
/// names a bad one). Returns them normalised like account addresses, each once.
fn check_copy_to(errors: &mut Errors, addresses: &[String]) -> Vec<String> {
    errors.check(
        addresses.len() > MAX_COPY_TO,
        "copy_to",
        format!("at most {MAX_COPY_TO} addresses (got {})", addresses.len()),
    );
    let mut kept: Vec<String> = Vec::new();
    for (i, address) in addresses.iter().enumerate() {
        let address = Email::new(address);
        check_email(errors, &format!("copy_to[{i}]"), &address);
        if !kept.iter().any(|k| *k == *address) {
            kept.push(address.into_string());
        }
    }
    kept
}

/// A change to some of a ticket's fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketPatch {
    /// The new status.
    pub status: Option<Status>,
    /// The qualifier of a solved or unsolved status.
    pub resolution: Option<Resolution>,
    /// The new priority.
    pub priority: Option<Priority>,
    /// Why the priority differs from the triage result.
    pub priority_reason: Option<String>,
    /// The unit to reassign or escalate to.
    pub unit: Option<UnitId>,
    /// The new owner; `Some(None)` takes the owner away.
    pub owner: Option<Option<AccountId>>,
    /// Public or private.
    pub privacy: Option<Privacy>,
    /// A date to remind the owner (or the unit) on, once, while the ticket waits for its
    /// requester or is on hold.
    pub remind_at: Option<time::Date>,
    /// A new title.
    pub title: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new link; `Some(None)` (or an empty one) takes it away.
    pub link_url: Option<Option<String>>,
    /// New "send a copy to" addresses (all of them; an empty list takes them away).
    pub copy_to: Option<Vec<String>>,
    /// The ticket this one duplicates, named with the qualifier `duplicate` (a ticket with a
    /// master duplicates its master and needs none).
    pub duplicate_of: Option<crate::TicketId>,
    /// Another category (its fields are checked again; see [`recategorise`]).
    pub category: Option<CategoryId>,
    /// New values of the category's fields (all of them).
    pub fields: Option<Map<String, Value>>,
}

/// Applies `patch` to `ticket` as `actor`: every changed field is checked against the policy and
/// the rules, and the result is the changed ticket with one history change per changed field.
/// A field set to its current value is no change. Assigning another unit moves the ticket to
/// `assigned` (unless a status is given too) and gives back its owner (unless one is given).
pub fn update(actor: &Actor, ticket: &Ticket, patch: &TicketPatch) -> Result<(Ticket, Vec<Change>), RuleError> {
    let facts = TicketFacts::from(ticket);
    check_ticket(actor, TicketAction::Read, &facts)?;
    let mut next = ticket.clone();
    let mut changes = Vec::new();
    check_patch_shape(patch)?;

    let changes_unit = patch.unit.is_some_and(|u| u != ticket.unit);
    let changes_status = patch.status.is_some_and(|s| s != ticket.status);
    let anything = changes_unit
        || changes_status
        || patch.priority.is_some_and(|p| p != ticket.priority)
        || patch.owner.is_some_and(|o| o != ticket.owner)
        || patch.privacy.is_some_and(|p| p != ticket.privacy)
        || patch.resolution.is_some_and(|r| Some(r) != ticket.resolution);
    if anything && ticket.status.is_frozen() {
        return Err(RuleError::Conflict {
            detail: format!("ticket #{} is {}; nothing about it changes any more", ticket.id, ticket.status),
            allowed: vec![],
        });
    }

    if let Some(unit) = patch.unit.filter(|_| changes_unit) {
        check_ticket(actor, TicketAction::SetUnit, &facts)?;
        if ticket.status.is_terminal() {
            return Err(RuleError::Conflict {
                detail: format!("ticket #{} is {}; reopen it before assigning another unit", ticket.id, ticket.status),
                allowed: allowed_for(actor, &facts),
            });
        }
        changes.push(Change::new("unit", ticket.unit, unit));
        next.unit = unit;
        if patch.owner.is_none() && ticket.owner.is_some() {
            changes.push(Change::new("owner", ticket.owner, Value::Null));
            next.owner = None;
        }
    }

    let target_status = match patch.status {
        Some(s) => Some(s),
        None if changes_unit && ticket.status != Status::Assigned => Some(Status::Assigned),
        None => None,
    };
    if let Some(to) = target_status.filter(|s| *s != ticket.status) {
        if !ticket.status.can_move_to(to) {
            let allowed = allowed_for(actor, &facts);
            let list: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            return Err(RuleError::Conflict {
                detail: format!(
                    "ticket #{} cannot move from {} to {}; allowed next: {}",
                    ticket.id,
                    ticket.status,
                    to,
                    if list.is_empty() { "none".to_owned() } else { list.join(", ") }
                ),
                allowed,
            });
        }
        // An implied `assigned` was allowed by SetUnit above; a chosen one is checked here.
        if patch.status.is_some() {
            check_ticket(actor, TicketAction::SetStatus(to), &facts)?;
        }
        changes.push(Change::new("status", ticket.status, to));
        next.status = to;
    }
    let resolution = match next.status {
        Status::Solved | Status::Unsolved => {
            let kept = if changes_status { None } else { ticket.resolution };
            patch.resolution.or(kept).or(Resolution::default_for(next.status))
        }
        _ if patch.resolution.is_some() => {
            return Err(RuleError::Invalid(vec![FieldError::new(
                "resolution",
                format!("a qualifier goes with a solved or unsolved ticket, and this one is {}", next.status),
            )]));
        }
        Status::Verified | Status::Closed => ticket.resolution,
        _ => None,
    };
    if let Some(r) = resolution.filter(|r| r.status() != next.status && !next.status.is_frozen()) {
        return Err(RuleError::Invalid(vec![FieldError::new(
            "resolution",
            format!("'{r}' qualifies a {} ticket, not a {} one", r.status(), next.status),
        )]));
    }
    check_duplicate_of(ticket, patch, resolution)?;
    if resolution != ticket.resolution {
        if !changes_status {
            check_ticket(actor, TicketAction::SetStatus(next.status), &facts)?;
        }
        changes.push(Change::new("resolution", ticket.resolution, resolution));
        next.resolution = resolution;
    }

    if let Some(priority) = patch.priority.filter(|p| *p != ticket.priority) {
        check_ticket(actor, TicketAction::SetPriority, &facts)?;
        let reason = patch.priority_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if priority != ticket.suggested_priority && reason.is_none() {
            return Err(RuleError::Invalid(vec![FieldError::new(
                "priority_reason",
                format!("triage suggests {}; a priority of {priority} needs a reason", ticket.suggested_priority),
            )]));
        }
        changes.push(Change::new("priority", ticket.priority, priority).because(reason.map(str::to_owned)));
        next.priority = priority;
    }

    if let Some(owner) = patch.owner.filter(|o| *o != ticket.owner) {
        check_ticket(actor, TicketAction::SetOwner(owner), &TicketFacts { unit: next.unit, ..facts })?;
        changes.push(Change::new("owner", next.owner, owner));
        next.owner = owner;
    }

    if let Some(privacy) = patch.privacy.filter(|p| *p != ticket.privacy) {
        check_ticket(actor, TicketAction::SetPrivacy, &facts)?;
        changes.push(Change::new("privacy", ticket.privacy, privacy));
        next.privacy = privacy;
    }

    changes.extend(edits(actor, ticket, patch, &mut next)?);

    if let Some(date) = patch.remind_at {
        // A reminder to oneself, as an internal note is: for the ticket's supporters and staff.
        check_ticket(actor, TicketAction::AddInternalNote, &TicketFacts { unit: next.unit, ..facts })?;
        if !matches!(next.status, Status::WaitingForReply | Status::OnHold) {
            return Err(RuleError::Invalid(vec![FieldError::new(
                "remind_at",
                format!("a reminder date goes with waiting_for_reply or on_hold, and this ticket is {}", next.status),
            )]));
        }
        changes.push(Change::new("remind_at", Value::Null, date.to_string()));
    }
    Ok((next, changes))
}

/// Applies a change of category or of its fields (`patch.category`, `patch.fields`) to `next`,
/// `category` being the category the ticket is to have: as an edit (see [`edits`]), its fields
/// checked against that category as at opening (the values given, else those the ticket has).
/// A new category routes a ticket nobody has taken yet (`new` or `assigned`, no owner) to its
/// default unit.
pub fn recategorise(
    actor: &Actor,
    ticket: &Ticket,
    patch: &TicketPatch,
    category: &Category,
    next: &mut Ticket,
) -> Result<Vec<Change>, RuleError> {
    let moves = category.id != ticket.category;
    let values = patch.fields.as_ref().unwrap_or(&ticket.fields);
    if !moves && values == &ticket.fields {
        return Ok(Vec::new());
    }
    check_editable(actor, ticket)?;
    let fields = check_field_values(&category.fields, values)?;
    let mut changes = Vec::new();
    if moves {
        changes.push(Change::new("category", ticket.category, category.id));
        next.category = category.id;
        let untaken = ticket.owner.is_none() && matches!(ticket.status, Status::New | Status::Assigned);
        if untaken && next.unit == ticket.unit && category.default_unit != ticket.unit {
            let why = Some("the new category's unit".to_owned());
            changes.push(Change::new("unit", ticket.unit, category.default_unit).because(why));
            next.unit = category.default_unit;
        }
    }
    if fields != ticket.fields {
        changes.push(Change::new("fields", Value::Object(ticket.fields.clone()), Value::Object(fields.clone())));
        next.fields = fields;
    }
    Ok(changes)
}

/// What was written at opening changes only while the ticket is not verified or closed, and
/// only by whom the policy lets edit it.
fn check_editable(actor: &Actor, ticket: &Ticket) -> Result<(), RuleError> {
    if ticket.status.is_frozen() {
        return Err(RuleError::Conflict {
            detail: format!("ticket #{} is {}; nothing about it changes any more", ticket.id, ticket.status),
            allowed: vec![],
        });
    }
    Ok(check_ticket(actor, TicketAction::Edit, &TicketFacts::from(ticket))?)
}

/// Applies the edits of what was written at opening (title, description, link, copies) to
/// `next`: by the ticket's supporters, and by its requesters' side while it is not solved; never
/// once it is verified or closed. Each is checked as at opening; the copies' change is recorded
/// for supporters only, as the addresses are the requester's side's own.
fn edits(actor: &Actor, ticket: &Ticket, patch: &TicketPatch, next: &mut Ticket) -> Result<Vec<Change>, RuleError> {
    let link = patch.link_url.as_ref().map(|l| l.as_deref().map(str::trim).filter(|u| !u.is_empty()));
    let differs = patch.title.as_deref().is_some_and(|t| t.trim() != ticket.title)
        || patch.description.as_deref().is_some_and(|d| d != ticket.description)
        || link.is_some_and(|l| l != ticket.link_url.as_deref())
        || patch.copy_to.is_some();
    if !differs {
        return Ok(Vec::new());
    }
    check_editable(actor, ticket)?;
    let mut errors = Errors::new();
    let mut changes = Vec::new();
    if let Some(title) = patch.title.as_deref() {
        check_line(&mut errors, "title", title, MAX_TITLE_CHARS);
        if title.trim() != ticket.title {
            changes.push(Change::new("title", &ticket.title, title.trim()));
            next.title = title.trim().to_owned();
        }
    }
    if let Some(description) = patch.description.as_deref() {
        check_text(&mut errors, "description", description, MAX_BODY_BYTES);
        if description != ticket.description {
            changes.push(Change::new("description", &ticket.description, description));
            next.description = description.to_owned();
        }
    }
    if let Some(link) = link {
        if let Some(url) = link {
            check_url(&mut errors, "link_url", url, MAX_LINK_URL_CHARS);
        }
        if link != ticket.link_url.as_deref() {
            changes.push(Change::new("link_url", &ticket.link_url, link));
            next.link_url = link.map(str::to_owned);
        }
    }
    if let Some(addresses) = &patch.copy_to {
        let kept = check_copy_to(&mut errors, addresses);
        if kept != ticket.copy_to {
            changes.push(Change::new("copy_to", &ticket.copy_to, &kept).internal(true));
            next.copy_to = kept;
        }
    }
    errors.finish(())?;
    Ok(changes)
}

/// Refusals that depend on the patch alone.
fn check_patch_shape(patch: &TicketPatch) -> Result<(), RuleError> {
    let mut errors = Errors::new();
    if let Some(reason) = &patch.priority_reason {
        errors.check(patch.priority.is_none(), "priority_reason", "goes with a priority");
        errors.check(
            reason.chars().count() > MAX_REASON_CHARS,
            "priority_reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        );
    }
    if let (Some(r), Some(s)) = (patch.resolution, patch.status)
        && r.status() != s
    {
        errors.add("resolution", format!("'{r}' qualifies a {} ticket, not a {s} one", r.status()));
    }
    Ok(errors.finish(())?)
}

/// A ticket qualified `duplicate` names the ticket it duplicates (its master, or
/// `duplicate_of`), and `duplicate_of` goes with that qualifier only.
fn check_duplicate_of(ticket: &Ticket, patch: &TicketPatch, resolution: Option<Resolution>) -> Result<(), RuleError> {
    let duplicate = resolution == Some(Resolution::Duplicate);
    let named = patch.duplicate_of.is_some() || ticket.master.is_some();
    let why = match patch.duplicate_of {
        Some(_) if !duplicate => "goes with the qualifier duplicate",
        Some(other) if other == ticket.id => "a ticket does not duplicate itself",
        None if duplicate && ticket.resolution != resolution && !named => {
            "name the ticket this one duplicates (its number)"
        }
        _ => return Ok(()),
    };
    Err(RuleError::Invalid(vec![FieldError::new("duplicate_of", why)]))
}

/// The statuses `actor` may move the ticket to next: the table, less what the policy forbids.
pub fn allowed_for(actor: &Actor, facts: &TicketFacts) -> Vec<Status> {
    facts
        .status
        .next_for_person()
        .into_iter()
        .filter(|s| check_ticket(actor, TicketAction::SetStatus(*s), facts).is_ok())
        .collect()
}

/// Adds a reply or an internal note: checks the policy, the body, and that the ticket still
/// takes articles. A public reply by the submitter on a ticket waiting for their reply moves it
/// back to `in_progress`; one from whoever may verify a solution that says so on its first line
/// (`verified` or `ok`, as an answer to the solution mail does) verifies it. The status change,
/// if any, is returned with its history.
pub fn add_article(
    actor: &Actor,
    ticket: &Ticket,
    body: &str,
    internal: bool,
) -> Result<Option<(Status, Change)>, RuleError> {
    let facts = TicketFacts::from(ticket);
    let action = if internal { TicketAction::AddInternalNote } else { TicketAction::Reply };
    check_ticket(actor, action, &facts)?;
    let mut errors = Errors::new();
    check_text(&mut errors, "body", body, MAX_BODY_BYTES);
    errors.finish(())?;
    if ticket.status.is_frozen() {
        return Err(RuleError::Conflict {
            detail: format!("ticket #{} is {}; please open a new ticket", ticket.id, ticket.status),
            allowed: vec![],
        });
    }
    let from_submitter = actor.account == Some(ticket.submitter);
    if !internal && from_submitter && ticket.status == Status::WaitingForReply {
        return Ok(Some((Status::InProgress, Change::new("status", ticket.status, Status::InProgress))));
    }
    if !internal
        && says_verified(body)
        && ticket.status.can_move_to(Status::Verified)
        && check_ticket(actor, TicketAction::SetStatus(Status::Verified), &facts).is_ok()
    {
        return Ok(Some((Status::Verified, Change::new("status", ticket.status, Status::Verified))));
    }
    Ok(None)
}

/// Whether a reply's first line says the solution works: `verified` or `ok` alone, in any case,
/// with a full stop or an exclamation mark at most.
pub fn says_verified(body: &str) -> bool {
    let first = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let word = first.trim_end_matches(['.', '!']).trim();
    word.eq_ignore_ascii_case("verified") || word.eq_ignore_ascii_case("ok")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::TicketId;
    use crate::account::Role;
    use crate::category::{FieldDef, FieldType};
    use serde_json::json;
    use time::OffsetDateTime;

    const SUBMITTER: AccountId = AccountId(1);
    const SUPPORTER: AccountId = AccountId(3);
    const UNIT: UnitId = UnitId(10);

    fn category() -> Category {
        Category {
            id: CategoryId(7),
            name: "Installation".into(),
            description: String::new(),
            default_unit: UNIT,
            fields: vec![FieldDef {
                key: "version".into(),
                label: "Version".into(),
                field_type: FieldType::Text,
                choices: None,
                required: true,
            }],
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn cmd() -> OpenTicket {
        OpenTicket {
            title: "  Login fails  ".into(),
            description: "Since the upgrade nobody can log in.".into(),
            ticket_type: TicketType::Incident,
            category: CategoryId(7),
            privacy: Privacy::Public,
            affected_users: 60,
            service_degraded: false,
            security_risk: SecurityRisk::None,
            fields: json!({"version": "4.5"}).as_object().unwrap().clone(),
            on_behalf_of: None,
            copy_to: vec![],
            link_url: None,
            priority: None,
            priority_reason: None,
            kind: TicketKind::User,
            team: None,
            unit: None,
        }
    }

    fn me() -> Requester {
        Requester { account: SUBMITTER, organisations: vec![] }
    }

    fn submitter() -> Actor {
        Actor::person(SUBMITTER, vec![Role::Community], vec![], vec![])
    }

    fn supporter() -> Actor {
        Actor::person(SUPPORTER, vec![Role::Supporter], vec![UNIT], vec![])
    }

    fn staff() -> Actor {
        Actor::person(AccountId(9), vec![Role::Staff], vec![], vec![])
    }

    /// A ticket in `status`, number 42, as the tests' submitter opened it.
    pub(crate) fn ticket(status: Status) -> Ticket {
        let (t, _) = open(&submitter(), cmd(), &category(), &me()).unwrap();
        Ticket {
            id: TicketId(42),
            title: t.title,
            description: t.description,
            ticket_type: t.ticket_type,
            category: t.category,
            unit: t.unit,
            owner: None,
            status,
            resolution: Resolution::default_for(status),
            priority: t.priority,
            suggested_priority: t.suggested_priority,
            privacy: t.privacy,
            fields: t.fields,
            affected_users: t.affected_users,
            service_degraded: t.service_degraded,
            security_risk: t.security_risk,
            submitter: t.submitter,
            on_behalf_of: None,
            organisation: None,
            copy_to: t.copy_to,
            link_url: t.link_url,
            master: None,
            kind: t.kind,
            team: t.team,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            sla: None,
        }
    }

    fn fields_of(err: RuleError) -> Vec<String> {
        match err {
            RuleError::Invalid(e) => e.into_iter().map(|e| e.field).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn opening_triages_and_routes() {
        let (t, history) = open(&submitter(), cmd(), &category(), &me()).unwrap();
        assert_eq!((t.status, t.priority, t.unit, t.submitter), (Status::New, Priority::High, UNIT, SUBMITTER));
        assert_eq!(t.title, "Login fails");
        let fields: Vec<&str> = history.iter().map(|c| c.field).collect();
        assert_eq!(fields, ["status", "priority", "unit", "privacy"]);
    }

    #[test]
    fn opening_refusals() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let table: Vec<(OpenTicket, Vec<&str>)> = vec![
            (OpenTicket { title: "".into(), ..cmd() }, vec!["title"]),
            (OpenTicket { title: long, ..cmd() }, vec!["title"]),
            (OpenTicket { description: " ".into(), ..cmd() }, vec!["description"]),
            (OpenTicket { description: "x".repeat(MAX_BODY_BYTES + 1), ..cmd() }, vec!["description"]),
            (OpenTicket { affected_users: -1, ..cmd() }, vec!["affected_users"]),
            (OpenTicket { fields: Map::new(), ..cmd() }, vec!["fields.version"]),
            (OpenTicket { title: "".into(), fields: Map::new(), ..cmd() }, vec!["title", "fields.version"]),
            (
                OpenTicket { copy_to: vec!["ann@example.org".into(), "not an address".into()], ..cmd() },
                vec!["copy_to[1]"],
            ),
            (OpenTicket { copy_to: (0..11).map(|i| format!("a{i}@example.org")).collect(), ..cmd() }, vec!["copy_to"]),
            (OpenTicket { link_url: Some("javascript:alert(1)".into()), ..cmd() }, vec!["link_url"]),
            (OpenTicket { link_url: Some("ftp://example.org/x".into()), ..cmd() }, vec!["link_url"]),
            (
                OpenTicket { link_url: Some(format!("https://example.org/{}", "a".repeat(2000))), ..cmd() },
                vec!["link_url"],
            ),
        ];
        for (c, refused) in table {
            assert_eq!(fields_of(open(&submitter(), c, &category(), &me()).unwrap_err()), refused);
        }
        let private = OpenTicket { privacy: Privacy::Private, ..cmd() };
        assert!(matches!(open(&submitter(), private, &category(), &me()), Err(RuleError::Denied(_))));
        assert!(matches!(open(&Actor::anonymous(), cmd(), &category(), &me()), Err(RuleError::Denied(_))));
    }

    #[test]
    fn team_and_alarm_tickets_go_straight_to_their_unit_for_their_team() {
        const TEAM: TeamId = TeamId(5);
        const SITE: UnitId = UnitId(30);
        let member = Actor { teams: vec![TEAM], ..submitter() };
        let alarmer = Actor { teams: vec![TEAM], alarmer_of: vec![TEAM], ..submitter() };
        let stranger = submitter();
        let kind =
            |kind: TicketKind, team: Option<TeamId>, unit: Option<UnitId>| OpenTicket { kind, team, unit, ..cmd() };
        // (actor, command, (kind, unit, priority) opened, or the refused fields / "denied")
        type Outcome = Result<(TicketKind, UnitId, Priority), Vec<&'static str>>;
        let table: Vec<(&Actor, OpenTicket, Outcome)> = vec![
            (&member, kind(TicketKind::Team, Some(TEAM), Some(SITE)), Ok((TicketKind::Team, SITE, Priority::High))),
            (&alarmer, kind(TicketKind::Alarm, Some(TEAM), Some(SITE)), Ok((TicketKind::Alarm, SITE, Priority::Top))),
            (&member, kind(TicketKind::Alarm, Some(TEAM), Some(SITE)), Err(vec!["denied"])),
            (&stranger, kind(TicketKind::Team, Some(TEAM), Some(SITE)), Err(vec!["denied"])),
            (&member, kind(TicketKind::Team, Some(TeamId(6)), Some(SITE)), Err(vec!["denied"])),
            (&member, kind(TicketKind::Team, None, None), Err(vec!["team", "unit"])),
            (&member, kind(TicketKind::User, Some(TEAM), Some(SITE)), Err(vec!["team", "unit"])),
            (&member, kind(TicketKind::User, None, None), Ok((TicketKind::User, UNIT, Priority::High))),
        ];
        for (actor, c, expected) in table {
            let got = match open(actor, c.clone(), &category(), &me()) {
                Ok((t, history)) => {
                    let named: Vec<&str> = history.iter().map(|h| h.field).collect();
                    assert_eq!(named.contains(&"team"), t.team.is_some(), "{c:?}");
                    assert_eq!(t.team, c.team.filter(|_| c.kind.has_team()));
                    Ok((t.kind, t.unit, t.priority))
                }
                Err(RuleError::Invalid(e)) => {
                    Err(e.into_iter().map(|e| if e.field == "team" { "team" } else { "unit" }).collect())
                }
                Err(RuleError::Denied(_)) => Err(vec!["denied"]),
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(got, expected, "{:?} by {:?}", c.kind, actor.teams);
        }
    }

    #[test]
    fn only_a_team_ticket_is_raised_to_an_alarm_by_an_alarmer_or_a_supporter_with_the_right() {
        const TEAM: TeamId = TeamId(5);
        let team_ticket = Ticket { kind: TicketKind::Team, team: Some(TEAM), ..ticket(Status::InProgress) };
        let alarmer = Actor { teams: vec![TEAM], alarmer_of: vec![TEAM], ..submitter() };
        let member = Actor { teams: vec![TEAM], ..submitter() };
        let with_right = Actor::person(SUPPORTER, vec![Role::Supporter, Role::Alarm], vec![UNIT], vec![]);
        // (actor, ticket, allowed)
        let table = [
            (&alarmer, team_ticket.clone(), true),
            (&with_right, team_ticket.clone(), true),
            (&member, team_ticket.clone(), false),
            (&supporter(), team_ticket.clone(), false),
            (&alarmer, ticket(Status::InProgress), false),
            (&alarmer, Ticket { status: Status::Solved, ..team_ticket.clone() }, false),
        ];
        for (actor, t, allowed) in table {
            match raise_alarm(actor, &t) {
                Ok((next, changes)) => {
                    assert!(allowed, "{:?} raised {:?}", actor.roles, t.kind);
                    assert_eq!((next.kind, next.priority), (TicketKind::Alarm, Priority::Top));
                    assert_eq!(changes[0].field, "kind");
                }
                Err(_) => assert!(!allowed, "{:?} could not raise {:?} {}", actor.roles, t.kind, t.status),
            }
        }
    }

    #[test]
    fn a_priority_other_than_the_triage_needs_the_right_and_a_reason() {
        // The triage of cmd() says high (60 users affected).
        let named = Actor::person(SUBMITTER, vec![Role::Named], vec![], vec![]);
        let community = submitter();
        let with = |priority: Option<Priority>, reason: Option<&str>| OpenTicket {
            priority,
            priority_reason: reason.map(str::to_owned),
            ..cmd()
        };
        // (actor, command, the priority it gets, or the refused field / a denial)
        let table: Vec<(&Actor, OpenTicket, Result<Priority, &str>)> = vec![
            (&named, with(Some(Priority::Top), Some("our main site is down")), Ok(Priority::Top)),
            (&named, with(Some(Priority::High), None), Ok(Priority::High)),
            (&named, with(Some(Priority::Top), None), Err("priority_reason")),
            (&named, with(Some(Priority::Top), Some("  ")), Err("priority_reason")),
            (&named, with(None, Some("why")), Err("priority_reason")),
            (&community, with(Some(Priority::Top), Some("please")), Err("denied")),
            (&community, with(Some(Priority::High), None), Ok(Priority::High)),
        ];
        for (actor, command, expected) in table {
            let got = match open(actor, command.clone(), &category(), &me()) {
                Ok((t, history)) => {
                    let why = history.iter().find(|c| c.field == "priority").and_then(|c| c.reason.clone());
                    let expected_why = command.priority_reason.clone().filter(|_| t.priority != t.suggested_priority);
                    assert_eq!(why, expected_why.or(Some("triage".into())), "{command:?}");
                    Ok(t.priority)
                }
                Err(RuleError::Denied(_)) => Err("denied"),
                Err(e) => {
                    Err(if fields_of(e).iter().any(|f| f == "priority_reason") { "priority_reason" } else { "other" })
                }
            };
            assert_eq!(got, expected, "{:?} {:?}", command.priority, command.priority_reason);
        }
    }

    #[test]
    fn opening_keeps_copies_and_link_normalised() {
        let c = OpenTicket {
            copy_to: vec![" Ann@Example.ORG ".into(), "ann@example.org".into(), "bob@example.org".into()],
            link_url: Some(" https://example.org/issue/7 ".into()),
            ..cmd()
        };
        let (t, _) = open(&submitter(), c, &category(), &me()).unwrap();
        assert_eq!(t.copy_to, ["ann@example.org", "bob@example.org"], "lower-case, each once");
        assert_eq!(t.link_url.as_deref(), Some("https://example.org/issue/7"));
        let blank = OpenTicket { link_url: Some("  ".into()), ..cmd() };
        assert_eq!(open(&submitter(), blank, &category(), &me()).unwrap().0.link_url, None, "blank is none");
        let ten = OpenTicket { copy_to: (0..10).map(|i| format!("a{i}@example.org")).collect(), ..cmd() };
        assert_eq!(open(&submitter(), ten, &category(), &me()).unwrap().0.copy_to.len(), 10);
    }

    #[test]
    fn opening_on_behalf_of_a_customer() {
        let customer = Requester { account: AccountId(50), organisations: vec![OrgId(7), OrgId(8)] };
        let partner = Actor::person(AccountId(60), vec![Role::Partner], vec![], vec![]).serving(vec![OrgId(8)]);
        let (t, history) = open(&partner, cmd(), &category(), &customer).unwrap();
        assert_eq!(
            (t.submitter, t.on_behalf_of, t.organisation),
            (AccountId(60), Some(AccountId(50)), Some(OrgId(8))),
            "the organisation served"
        );
        assert_eq!(history.last().map(|c| c.field), Some("on_behalf_of"));
        let stranger = Requester { account: AccountId(51), organisations: vec![OrgId(9)] };
        assert!(matches!(open(&partner, cmd(), &category(), &stranger), Err(RuleError::Denied(_))));
        assert!(matches!(open(&submitter(), cmd(), &category(), &customer), Err(RuleError::Denied(_))));
        let staff = Actor::person(AccountId(61), vec![Role::Staff], vec![], vec![]);
        let (t, _) = open(&staff, cmd(), &category(), &customer).unwrap();
        assert_eq!(t.organisation, Some(OrgId(7)), "the customer's first organisation");
        let named = Requester { account: SUBMITTER, organisations: vec![OrgId(3)] };
        assert_eq!(open(&submitter(), cmd(), &category(), &named).unwrap().0.organisation, Some(OrgId(3)));
    }

    #[test]
    fn an_illegal_move_names_the_allowed_ones() {
        let patch = TicketPatch { status: Some(Status::Reopened), ..Default::default() };
        match update(&supporter(), &ticket(Status::InProgress), &patch) {
            Err(RuleError::Conflict { allowed, detail }) => {
                assert_eq!(allowed, vec![Status::WaitingForReply, Status::OnHold, Status::Solved, Status::Unsolved]);
                assert!(detail.contains("waiting_for_reply"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    /// What an update is expected to do.
    #[derive(Debug)]
    enum Expect {
        /// Succeed, changing these fields in this order.
        Changes(&'static [&'static str]),
        Denied,
        Conflicts,
        Invalid,
    }

    #[test]
    fn updates() {
        use Expect::*;
        use Status::*;
        let p = TicketPatch::default;
        // (who, current status, patch, expectation, why)
        let table: Vec<(Actor, Status, TicketPatch, Expect, &str)> = vec![
            (supporter(), New, TicketPatch { status: Some(InProgress), ..p() }, Changes(&["status"]), "take it up"),
            (supporter(), New, TicketPatch { status: Some(New), ..p() }, Changes(&[]), "no change is no change"),
            (supporter(), New, p(), Changes(&[]), "an empty patch changes nothing"),
            (
                supporter(),
                InProgress,
                TicketPatch { unit: Some(UnitId(11)), ..p() },
                Changes(&["unit", "status"]),
                "escalating assigns",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { unit: Some(UnitId(11)), status: Some(OnHold), ..p() },
                Changes(&["unit", "status"]),
                "escalate and park",
            ),
            (
                supporter(),
                Solved,
                TicketPatch { unit: Some(UnitId(11)), ..p() },
                Conflicts,
                "reopen before reassigning",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { status: Some(Solved), ..p() },
                Changes(&["status", "resolution"]),
                "solving records the qualifier",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { status: Some(Solved), resolution: Some(Resolution::Duplicate), ..p() },
                Invalid,
                "duplicate qualifies unsolved",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { resolution: Some(Resolution::Fixed), ..p() },
                Invalid,
                "a qualifier needs a finished ticket",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { status: Some(Unsolved), resolution: Some(Resolution::Duplicate), ..p() },
                Invalid,
                "a duplicate names what it duplicates",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch {
                    status: Some(Unsolved),
                    resolution: Some(Resolution::Duplicate),
                    duplicate_of: Some(TicketId(99)),
                    ..p()
                },
                Changes(&["status", "resolution"]),
                "unsolved as a duplicate of a named ticket",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch {
                    status: Some(Unsolved),
                    resolution: Some(Resolution::Duplicate),
                    duplicate_of: Some(TicketId(42)),
                    ..p()
                },
                Invalid,
                "not a duplicate of itself",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { status: Some(Unsolved), duplicate_of: Some(TicketId(99)), ..p() },
                Invalid,
                "naming a ticket goes with the qualifier duplicate",
            ),
            (
                supporter(),
                Solved,
                TicketPatch { status: Some(Reopened), ..p() },
                Changes(&["status", "resolution"]),
                "reopening clears the qualifier",
            ),
            (
                submitter(),
                Solved,
                TicketPatch { status: Some(Verified), ..p() },
                Changes(&["status"]),
                "the submitter verifies",
            ),
            (
                staff(),
                Solved,
                TicketPatch { status: Some(Verified), ..p() },
                Denied,
                "staff cannot verify for the submitter",
            ),
            (submitter(), Verified, TicketPatch { status: Some(Reopened), ..p() }, Conflicts, "verified is final"),
            (staff(), Closed, TicketPatch { privacy: Some(Privacy::Private), ..p() }, Conflicts, "closed is final"),
            (
                submitter(),
                InProgress,
                TicketPatch { status: Some(OnHold), ..p() },
                Denied,
                "a submitter cannot park it",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { priority: Some(Priority::Top), ..p() },
                Invalid,
                "an override needs a reason",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { priority: Some(Priority::Top), priority_reason: Some("  ".into()), ..p() },
                Invalid,
                "a blank reason is none",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { priority: Some(Priority::Top), priority_reason: Some("VIP".into()), ..p() },
                Changes(&["priority"]),
                "override with reason",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { priority_reason: Some("why".into()), ..p() },
                Invalid,
                "a reason alone",
            ),
            (
                submitter(),
                InProgress,
                TicketPatch { priority: Some(Priority::Top), priority_reason: Some("urgent".into()), ..p() },
                Denied,
                "a community submitter cannot",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { owner: Some(Some(SUPPORTER)), ..p() },
                Changes(&["owner"]),
                "take it",
            ),
            (
                supporter(),
                InProgress,
                TicketPatch { privacy: Some(Privacy::Private), ..p() },
                Changes(&["privacy"]),
                "make private",
            ),
        ];
        for (actor, status, patch, expect, why) in table {
            let got = update(&actor, &ticket(status), &patch);
            let ok = match (&expect, &got) {
                (Changes(fields), Ok((_, changes))) => changes.iter().map(|c| c.field).collect::<Vec<_>>() == *fields,
                (Denied, Err(RuleError::Denied(_))) => true,
                (Conflicts, Err(RuleError::Conflict { .. })) => true,
                (Invalid, Err(RuleError::Invalid(_))) => true,
                _ => false,
            };
            assert!(ok, "{why}: expected {expect:?}, got {got:?}");
        }
    }

    #[test]
    fn a_new_category_checks_its_fields_and_routes_only_what_nobody_took() {
        use Expect::*;
        use Status::*;
        let storage = Category { id: CategoryId(8), default_unit: UnitId(11), ..category() };
        let fields = |v: serde_json::Value| TicketPatch { fields: v.as_object().cloned(), ..TicketPatch::default() };
        let to_storage = TicketPatch { category: Some(CategoryId(8)), ..fields(json!({"version": "5.0"})) };
        // (who, status, owned, patch, the category to have, expectation, why)
        let table: Vec<(Actor, Status, bool, TicketPatch, Category, Expect, &str)> = vec![
            (
                submitter(),
                New,
                false,
                to_storage.clone(),
                storage.clone(),
                Changes(&["category", "unit", "fields"]),
                "routed",
            ),
            (
                submitter(),
                InProgress,
                false,
                to_storage.clone(),
                storage.clone(),
                Changes(&["category", "fields"]),
                "worked on",
            ),
            (
                supporter(),
                Assigned,
                true,
                to_storage.clone(),
                storage.clone(),
                Changes(&["category", "fields"]),
                "taken",
            ),
            (submitter(), New, false, fields(json!({"version": ""})), category(), Invalid, "a required field blank"),
            (submitter(), New, false, fields(json!({"version": "4.5"})), category(), Changes(&[]), "the same values"),
            (
                submitter(),
                Solved,
                false,
                to_storage.clone(),
                storage.clone(),
                Denied,
                "reopened before its requester edits",
            ),
            (supporter(), Closed, false, to_storage.clone(), storage, Conflicts, "closed is final"),
        ];
        for (actor, status, owned, patch, category, expect, why) in table {
            let mut t = ticket(status);
            t.owner = owned.then_some(SUPPORTER);
            let mut next = t.clone();
            let got = recategorise(&actor, &t, &patch, &category, &mut next);
            let ok = match (&expect, &got) {
                (Changes(fields), Ok(changes)) => changes.iter().map(|c| c.field).collect::<Vec<_>>() == *fields,
                (Denied, Err(RuleError::Denied(_))) => true,
                (Conflicts, Err(RuleError::Conflict { .. })) => true,
                (Invalid, Err(RuleError::Invalid(_))) => true,
                _ => false,
            };
            assert!(ok, "{why}: expected {expect:?}, got {got:?}");
        }
    }

    #[test]
    fn escalating_gives_back_the_owner() {
        let mut t = ticket(Status::InProgress);
        t.owner = Some(SUPPORTER);
        let (next, changes) =
            update(&supporter(), &t, &TicketPatch { unit: Some(UnitId(11)), ..Default::default() }).unwrap();
        assert_eq!((next.unit, next.owner, next.status), (UnitId(11), None, Status::Assigned));
        assert_eq!(changes.iter().map(|c| c.field).collect::<Vec<_>>(), ["unit", "owner", "status"]);
    }

    #[test]
    fn a_reply_that_says_so_verifies_a_solution_for_whoever_may_verify() {
        use Status::*;
        let table: Vec<(Actor, Status, &str, bool, Option<Status>)> = vec![
            (submitter(), Solved, "ok", false, Some(Verified)),
            (submitter(), Unsolved, "  Verified!\n\nThanks", false, Some(Verified)),
            (submitter(), Solved, "\nOK.\n> your ticket was solved", false, Some(Verified)),
            (submitter(), Solved, "ok, but one more thing", false, None),
            (submitter(), Solved, "okay", false, None),
            (submitter(), Solved, "It works. ok", false, None),
            (submitter(), InProgress, "ok", false, None),
            (supporter(), Solved, "ok", false, None),
        ];
        for (actor, status, body, internal, expected) in table {
            let got = add_article(&actor, &ticket(status), body, internal).map(|c| c.map(|(s, _)| s));
            assert_eq!(got.ok().flatten(), expected, "{body:?} on {status}");
        }
    }

    #[test]
    fn articles() {
        use Status::*;
        // (who, status, internal, outcome)
        type Outcome = Result<Option<Status>, &'static str>;
        let table: Vec<(Actor, Status, bool, Outcome)> = vec![
            (submitter(), WaitingForReply, false, Ok(Some(InProgress))),
            (submitter(), InProgress, false, Ok(None)),
            (supporter(), WaitingForReply, false, Ok(None)),
            (supporter(), WaitingForReply, true, Ok(None)),
            (submitter(), InProgress, true, Err("denied")),
            (Actor::anonymous(), InProgress, false, Err("denied")),
            (submitter(), Verified, false, Err("conflict")),
            (supporter(), Closed, true, Err("conflict")),
            (submitter(), Solved, false, Ok(None)),
        ];
        for (actor, status, internal, expected) in table {
            let got = add_article(&actor, &ticket(status), "Thanks, it works again.", internal);
            let got = match got {
                Ok(change) => Ok(change.map(|(s, _)| s)),
                Err(RuleError::Denied(_)) => Err("denied"),
                Err(RuleError::Conflict { .. }) => Err("conflict"),
                Err(RuleError::Invalid(_)) => Err("invalid"),
            };
            assert_eq!(got, expected, "{actor:?} {status} internal={internal}");
        }
        assert!(matches!(add_article(&submitter(), &ticket(Status::New), "  ", false), Err(RuleError::Invalid(_))));
    }

    #[test]
    fn what_was_written_at_opening_is_edited_by_its_requesters_while_open_and_its_supporters_until_verified() {
        let stranger = Actor::person(AccountId(77), vec![Role::Community], vec![], vec![]);
        let retitle = TicketPatch { title: Some(" Quota full on /home ".into()), ..TicketPatch::default() };
        // (who, status, expected: Ok(changed fields) or the kind of refusal)
        type Expected = Result<Vec<&'static str>, &'static str>;
        let cases: Vec<(Actor, Status, Expected)> = vec![
            (submitter(), Status::InProgress, Ok(vec!["title"])),
            (submitter(), Status::Solved, Err("denied")),
            (supporter(), Status::Solved, Ok(vec!["title"])),
            (staff(), Status::Closed, Err("conflict")),
            (stranger, Status::InProgress, Err("denied")),
        ];
        for (actor, status, expected) in cases {
            let got = update(&actor, &ticket(status), &retitle).map(|(t, changes)| {
                assert_eq!(t.title, "Quota full on /home", "trimmed");
                changes.into_iter().map(|c| c.field).collect::<Vec<_>>()
            });
            let got = got.map_err(|e| match e {
                RuleError::Denied(_) => "denied",
                RuleError::Conflict { .. } => "conflict",
                other => panic!("{other:?}"),
            });
            assert_eq!(got, expected, "{actor:?} on a {status} ticket");
        }
        let t = ticket(Status::InProgress);
        let same = TicketPatch {
            title: Some(t.title.clone()),
            description: Some(t.description.clone()),
            ..TicketPatch::default()
        };
        assert_eq!(update(&supporter(), &t, &same).map(|(_, c)| c.len()), Ok(0), "the same values are no change");
        let bad = TicketPatch {
            title: Some("  ".into()),
            link_url: Some(Some("javascript:alert(1)".into())),
            copy_to: Some(vec!["not-an-address".into()]),
            ..TicketPatch::default()
        };
        assert_eq!(fields_of(update(&submitter(), &t, &bad).unwrap_err()), ["title", "link_url", "copy_to[0]"]);
        let copies = TicketPatch {
            copy_to: Some(vec!["Ann@Example.org".into()]),
            link_url: Some(None),
            ..TicketPatch::default()
        };
        let (edited, changes) = update(&submitter(), &t, &copies).unwrap();
        assert_eq!(edited.copy_to, ["ann@example.org"]);
        assert!(changes.iter().all(|c| c.field != "copy_to" || c.internal), "the addresses are for supporters' eyes");
    }
}
