//! Notifications: a change queues one `mail.notify` job in its own transaction; the worker turns
//! it into one message per recipient, each showing only what the policy lets that recipient
//! read, and queues those messages in the transaction that finishes the notify job, so that a
//! change is announced once, even when the worker stops half-way.

use helpdesk_domain::account::{Account, Notification, RequesterMode};
use helpdesk_domain::clock::ClockKind;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket, shown_to};
use helpdesk_domain::status::Status;
use helpdesk_domain::team::TicketKind;
use helpdesk_domain::ticket::{Article, Ticket};
use helpdesk_domain::unit::{Integration, Unit};
use helpdesk_domain::{AccountId, ArticleId, TicketId, UnitId};
use helpdesk_store::{Job, NewJob, Tx};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::mail::OutgoingMail;
use crate::{App, AppResult};

/// The job kind that turns a change into notifications.
pub const NOTIFY: &str = "mail.notify";

/// What happened, as a notify job carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A ticket was opened.
    Opened {
        /// The ticket.
        ticket: TicketId,
    },
    /// A ticket was given to a unit, an owner, or both.
    Assigned {
        /// The ticket.
        ticket: TicketId,
        /// The new unit, when it changed.
        unit: Option<UnitId>,
        /// The new owner, when one was set.
        owner: Option<AccountId>,
    },
    /// A public reply was written.
    Reply {
        /// The ticket.
        ticket: TicketId,
        /// The reply.
        article: ArticleId,
    },
    /// The status changed (other than a reopen).
    StatusChanged {
        /// The ticket.
        ticket: TicketId,
        /// The status before.
        from: Status,
        /// The status now.
        to: Status,
    },
    /// A finished ticket was opened again.
    Reopened {
        /// The ticket.
        ticket: TicketId,
    },
    /// A team ticket was raised to an alarm.
    Alarm {
        /// The ticket.
        ticket: TicketId,
    },
    /// A ticket waiting for its requester's answer has waited a period: reminder `reminder` of
    /// `of`, after which it becomes `unsolved`.
    WaitingReminder {
        /// The ticket.
        ticket: TicketId,
        /// Which reminder this is, from 1.
        reminder: u8,
        /// How many are sent before the ticket becomes `unsolved`.
        of: u8,
    },
    /// The date a supporter asked to be reminded of a ticket that waits or is on hold.
    ReminderDate {
        /// The ticket.
        ticket: TicketId,
        /// The date (`2026-12-24`).
        date: String,
    },
    /// A quarter of a service-level clock's time is left.
    SlaWarning {
        /// The ticket.
        ticket: TicketId,
        /// Which clock.
        clock: ClockKind,
        /// When its time runs out.
        #[serde(with = "time::serde::rfc3339")]
        due: OffsetDateTime,
    },
    /// A service-level clock's time ran out unmet.
    SlaBreached {
        /// The ticket.
        ticket: TicketId,
        /// Which clock.
        clock: ClockKind,
        /// When its time ran out.
        #[serde(with = "time::serde::rfc3339")]
        due: OffsetDateTime,
    },
    /// A late ticket escalated a step: step 1 tells the unit and the owner, step 2 also the
    /// 1st-level units, step 3 also the monitoring address.
    Escalated {
        /// The ticket.
        ticket: TicketId,
        /// The step reached, 1 to 3.
        step: u8,
        /// Why, when a requester escalated it (empty when its clock did).
        reason: String,
    },
    /// Somebody asked to join a unit.
    JoinRequest {
        /// The unit.
        unit: UnitId,
        /// The request's id.
        request: i64,
        /// What the person wrote.
        message: String,
    },
}

impl Event {
    /// The kind of notification a person may opt out of.
    pub fn kind(&self) -> Notification {
        match self {
            Event::Opened { .. } | Event::Alarm { .. } => Notification::TicketOpened,
            Event::Assigned { .. } => Notification::Assigned,
            Event::Reply { .. } => Notification::PublicReply,
            Event::StatusChanged { .. } => Notification::StatusChange,
            Event::Reopened { .. } => Notification::Reopened,
            // The reminder is what the status change asked of the requester, repeated.
            Event::WaitingReminder { .. } | Event::ReminderDate { .. } => Notification::StatusChange,
            Event::SlaWarning { .. } | Event::SlaBreached { .. } | Event::Escalated { .. } => {
                Notification::ServiceLevel
            }
            Event::JoinRequest { .. } => Notification::JoinRequest,
        }
    }

    fn ticket(&self) -> Option<TicketId> {
        match self {
            Event::Opened { ticket }
            | Event::Assigned { ticket, .. }
            | Event::Reply { ticket, .. }
            | Event::StatusChanged { ticket, .. }
            | Event::Reopened { ticket }
            | Event::Alarm { ticket }
            | Event::WaitingReminder { ticket, .. }
            | Event::ReminderDate { ticket, .. }
            | Event::SlaWarning { ticket, .. }
            | Event::SlaBreached { ticket, .. }
            | Event::Escalated { ticket, .. } => Some(*ticket),
            Event::JoinRequest { .. } => None,
        }
    }
}

/// A notify job's payload: the event, who caused it, and addresses never to write to about it
/// (the sender of a list's message, the list a reply came from: they would loop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyJob {
    /// What happened.
    pub event: Event,
    /// Who did it (not notified of their own change, but for a new ticket's confirmation).
    pub by: Option<AccountId>,
    /// Addresses left out.
    #[serde(default)]
    pub quiet: Vec<String>,
}

impl NotifyJob {
    /// The job, to queue with the change.
    pub fn job(&self, at: OffsetDateTime) -> NewJob {
        NewJob {
            kind: NOTIFY.to_owned(),
            payload: serde_json::to_value(self).unwrap_or(serde_json::Value::Null),
            dedupe_key: None,
            run_at: at,
        }
    }
}

/// Queues the notify jobs for `events` in `tx`.
pub(crate) async fn queue(
    tx: &mut dyn Tx,
    events: Vec<Event>,
    by: Option<AccountId>,
    quiet: &[String],
    at: OffsetDateTime,
) -> AppResult<()> {
    for event in events {
        tx.enqueue_job(&NotifyJob { event, by, quiet: quiet.to_vec() }.job(at)).await?;
    }
    Ok(())
}

/// The events that a ticket's change from `before` to `after` announces.
pub(crate) fn events_of_update(before: &Ticket, after: &Ticket) -> Vec<Event> {
    let mut events = Vec::new();
    let unit = (after.unit != before.unit).then_some(after.unit);
    let owner = after.owner.filter(|o| Some(*o) != before.owner);
    if unit.is_some() || owner.is_some() {
        events.push(Event::Assigned { ticket: after.id, unit, owner });
    }
    if after.status != before.status {
        events.push(match after.status {
            Status::Reopened => Event::Reopened { ticket: after.id },
            // Assigned follows a unit's change, announced above.
            Status::Assigned if unit.is_some() => return events,
            to => Event::StatusChanged { ticket: after.id, from: before.status, to },
        });
    }
    events
}

/// Who a notice goes to, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The submitter, or the person it was opened for.
    Requester,
    /// An address the requester asked to keep in copy.
    Copy,
    /// The ticket's owner.
    Owner,
    /// The unit's own address (often a mailing list).
    UnitAddress,
    /// A member of the unit.
    UnitMember,
    /// A manager of the unit.
    Manager,
    /// The installation's monitoring address (a late ticket's third escalation step).
    Monitoring,
    /// Someone who follows the ticket (its public replies and its solution).
    Follower,
    /// The address of the team whose ticket it is.
    TeamAddress,
    /// The unit's alarm address (an alarm ticket, at any hour).
    AlarmAddress,
    /// Someone the ticket's supporters involved in it: what its unit gets, internal notes too.
    Involved,
}

/// One message to write: everything its templates show, already cut to what the recipient may
/// read.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// What happened.
    pub event: Event,
    /// The recipient's address.
    pub to: String,
    /// The recipient's name (may be empty).
    pub to_name: String,
    /// Why they get it.
    pub audience: Audience,
    /// The ticket, as the recipient may see it.
    pub ticket: Option<Ticket>,
    /// The reply, for a reply.
    pub article: Option<Article>,
    /// The unit's name.
    pub unit_name: String,
    /// The name of the person who did it.
    pub by_name: String,
    /// Whether the recipient may answer by mail (and be heard).
    pub may_reply: bool,
    /// Where answers go when not to Helpdesk's own address: a unit list's copy names the
    /// ticket's reply address for that list, whose secret proves an answer came from the list.
    /// Never shown in the text.
    #[serde(skip)]
    pub reply_to: Option<String>,
    /// For a solution (a change to solved or unsolved): the last public words of the ticket's
    /// workers, which the mail shows as the solution.
    pub solution: Option<String>,
    /// The page that confirms the solution, for a recipient who may verify it.
    pub verify_url: Option<String>,
    /// The page that reopens the ticket with a reason, for a recipient who may reopen it.
    pub reopen_url: Option<String>,
    /// The page to look at.
    pub url: String,
    /// Unique among the job's notices (for the Message-ID).
    pub key: String,
}

/// A recipient before the policy has had its say.
struct Candidate {
    address: String,
    name: String,
    account: Option<Account>,
    actor: Actor,
    audience: Audience,
}

impl App {
    /// The notices a notify job stands for, one per recipient who wants it and may read it.
    pub async fn notices(&self, job: &Job) -> AppResult<Vec<Notice>> {
        let notify: NotifyJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| crate::AppError::Internal(format!("not a notify job's payload: {e}")))?;
        let by_name = match notify.by {
            Some(id) => self.store.account(id).await?.map(|a| a.name).unwrap_or_default(),
            None => "Helpdesk".to_owned(),
        };
        if let Event::JoinRequest { unit, .. } = notify.event {
            return self.join_notices(job.id, &notify, unit, by_name).await;
        }
        let Some(id) = notify.event.ticket() else { return Ok(Vec::new()) };
        let Some(ticket) = self.store.ticket(id).await? else { return Ok(Vec::new()) };
        let unit = self.store.unit(ticket.unit).await?;
        let article = match notify.event {
            Event::Reply { article, .. } => match self.store.article(article).await? {
                Some(a) => Some(a),
                None => return Ok(Vec::new()),
            },
            _ => None,
        };
        let solution = match notify.event {
            Event::StatusChanged { to: Status::Solved | Status::Unsolved, .. } => {
                crate::children::last_answer(self.store.as_ref(), &ticket).await?
            }
            _ => None,
        };
        let url = format!("{}/tickets/{}", self.public_url, ticket.id);
        let mut candidates = self.candidates(&notify.event, &ticket, unit.as_ref()).await?;
        // A requester who asked for the solution only hears of nothing else but what asks
        // something of them (the receipt, the reminders of a ticket waiting for their reply).
        let heard = matches!(
            notify.event,
            Event::Opened { .. }
                | Event::WaitingReminder { .. }
                | Event::StatusChanged { to: Status::Solved | Status::Unsolved, .. }
        );
        // An internal note reaches the people involved in the ticket, and nobody else.
        let internal = article.as_ref().is_some_and(|a| a.internal);
        if internal {
            candidates.retain(|c| c.audience == Audience::Involved);
        }
        if !heard
            && candidates.iter().any(|c| c.audience == Audience::Requester)
            && self.mode_of(&ticket).await? == RequesterMode::SolutionOnly
        {
            candidates.retain(|c| c.audience != Audience::Requester);
        }
        let addresses: Vec<String> = candidates.iter().map(|c| c.address.to_lowercase()).collect();
        let units_named = self.store.units_by_email(&addresses).await?;
        let mut notices: Vec<Notice> = Vec::new();
        for c in candidates {
            let address = c.address.to_lowercase();
            let own_change = c.account.as_ref().is_some_and(|a| Some(a.id) == notify.by);
            let confirmation = matches!(notify.event, Event::Opened { .. }) && c.audience == Audience::Requester;
            // Helpdesk never writes to itself (that is a loop), nor to a unit's address but as
            // the list of the unit a ticket is with.
            let ours = self.mail.owns(&address)
                || (c.audience != Audience::UnitAddress
                    && units_named.iter().any(|u| u.email.eq_ignore_ascii_case(&address)));
            if ours
                || (own_change && !confirmation)
                || notify.quiet.iter().any(|q| q.eq_ignore_ascii_case(&address))
                || notices.iter().any(|n| n.to == address)
            {
                continue;
            }
            if let Some(account) = &c.account
                && (account.disabled || !self.store.wants_notification(account.id, notify.event.kind()).await?)
            {
                continue;
            }
            let facts = TicketFacts::from(&ticket);
            let reads = if internal { TicketAction::ReadInternal } else { TicketAction::Read };
            if check_ticket(&c.actor, reads, &facts).is_err() {
                continue;
            }
            let may_reply = check_ticket(&c.actor, TicketAction::Reply, &facts).is_ok() || c.account.is_none();
            // A solution asks its requesters whether it solves their problem.
            let next = match (&solution, &notify.event) {
                (_, Event::StatusChanged { to: Status::Solved | Status::Unsolved, .. }) if c.account.is_some() => {
                    helpdesk_domain::workflow::allowed_for(&c.actor, &facts)
                }
                _ => Vec::new(),
            };
            // Only the requester's side confirms a solution, so only they are asked about it.
            let asked = next.contains(&Status::Verified);
            let answer = |status: Status, what: &str| {
                (asked && next.contains(&status)).then(|| format!("{url}?solution={what}"))
            };
            notices.push(Notice {
                event: notify.event.clone(),
                to: address,
                to_name: c.name,
                audience: c.audience,
                ticket: Some(shown_to(&c.actor, ticket.clone())),
                article: article.clone(),
                unit_name: unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
                // A reply from another ticketing system is by its author there.
                by_name: article.as_ref().and_then(|a| a.external_author.clone()).unwrap_or_else(|| by_name.clone()),
                may_reply,
                reply_to: (c.audience == Audience::UnitAddress)
                    .then(|| self.list_reply_address(ticket.id, ticket.unit))
                    .flatten(),
                solution: solution.clone(),
                verify_url: answer(Status::Verified, "confirm"),
                reopen_url: answer(Status::Reopened, "reopen"),
                url: url.clone(),
                key: format!("n{}-{}", job.id, notices.len() + 1),
            });
        }
        Ok(notices)
    }

    /// Who might hear of `event`, before preferences and the policy.
    async fn candidates(&self, event: &Event, ticket: &Ticket, unit: Option<&Unit>) -> AppResult<Vec<Candidate>> {
        let mut all = Vec::new();
        let requesters = [Some(ticket.submitter), ticket.on_behalf_of];
        let redirect = unit.is_some_and(|u| u.integration == Integration::Redirect);
        let (to_requesters, to_unit, to_members, to_owner) = match event {
            Event::Opened { .. } => (true, true, true, false),
            Event::Assigned { unit: new_unit, owner, .. } => {
                (false, new_unit.is_some(), new_unit.is_some(), owner.is_some())
            }
            Event::Reply { .. } => (true, redirect, ticket.owner.is_none() && !redirect, true),
            Event::StatusChanged { .. } => (true, false, false, true),
            Event::Reopened { .. } => (false, redirect, ticket.owner.is_none(), true),
            Event::Alarm { .. } => (false, true, true, true),
            Event::WaitingReminder { .. } => (true, false, false, false),
            // The owner is warned or reminded; a ticket nobody owns, its unit.
            Event::SlaWarning { .. } | Event::ReminderDate { .. } => {
                (false, ticket.owner.is_none(), ticket.owner.is_none(), true)
            }
            Event::SlaBreached { .. } | Event::Escalated { .. } => (false, true, true, true),
            Event::JoinRequest { .. } => (false, false, false, false),
        };
        if to_requesters {
            for id in requesters.into_iter().flatten() {
                self.push_account(&mut all, id, Audience::Requester).await?;
            }
            // A team's address hears what its ticket's requesters hear, as a member reads it.
            if let Some(team) = ticket.team
                && let Some(team) = self.store.team(team).await?
                && !team.email.is_empty()
            {
                let actor = Actor { teams: vec![team.id], ..Actor::anonymous() };
                all.push(Candidate {
                    address: team.email,
                    name: team.name,
                    account: None,
                    actor,
                    audience: Audience::TeamAddress,
                });
            }
        }
        // An alarm wakes the unit's alarm address at once, which reads as the unit does.
        let alarm = ticket.kind == TicketKind::Alarm && matches!(event, Event::Opened { .. } | Event::Alarm { .. });
        if alarm && let Some(unit) = unit.filter(|u| !u.alarm_email.is_empty()) {
            all.push(Candidate {
                address: unit.alarm_email.clone(),
                name: unit.name.clone(),
                account: None,
                actor: Actor { units: vec![unit.id], ..Actor::anonymous() },
                audience: Audience::AlarmAddress,
            });
        }
        // Copies hear of the conversation only.
        if matches!(event, Event::Reply { .. }) {
            for address in &ticket.copy_to {
                self.push_address(&mut all, address, Audience::Copy).await?;
            }
        }

        if to_owner && let Some(owner) = ticket.owner {
            self.push_account(&mut all, owner, Audience::Owner).await?;
        }
        if let Some(unit) = unit {
            self.push_unit(&mut all, unit, to_unit, to_members).await?;
        }
        if let Event::Escalated { step, .. } = event {
            if *step >= 2 {
                for first in self.first_level_units().await?.iter().filter(|u| u.id != ticket.unit) {
                    self.push_unit(&mut all, first, true, true).await?;
                }
            }
            if *step >= 3
                && let Some(address) = &self.monitoring
            {
                self.push_address(&mut all, address, Audience::Monitoring).await?;
            }
        }
        // The people involved get what the unit gets (internal notes too: see `notices`), as
        // people who work on it, after those who hear of it in a part of their own.
        for person in self.store.involved(ticket.id).await? {
            self.push_account(&mut all, person, Audience::Involved).await?;
        }
        // Followers hear of the conversation and the solution; last, so that anyone who hears
        // of the ticket in another part hears of it as that.
        let solution = matches!(event, Event::StatusChanged { to: Status::Solved | Status::Unsolved, .. });
        if matches!(event, Event::Reply { .. }) || solution {
            for follower in self.store.followers(ticket.id).await? {
                self.push_account(&mut all, follower, Audience::Follower).await?;
            }
        }
        Ok(all)
    }

    /// A unit's readers: its list (`to_unit`, for a unit that works on its list) or its members
    /// one by one (`to_members`, for a unit that works in Helpdesk).
    async fn push_unit(&self, all: &mut Vec<Candidate>, unit: &Unit, to_unit: bool, to_members: bool) -> AppResult<()> {
        let redirect = unit.integration == Integration::Redirect;
        // Only a redirect-mode unit works on its list; the address of any other unit is
        // where its mail comes to Helpdesk (its members hear of its tickets one by one).
        if to_unit && redirect && !unit.email.is_empty() {
            // The unit's list reads what the unit's supporters read.
            let actor = Actor { units: vec![unit.id], ..Actor::anonymous() };
            all.push(Candidate {
                address: unit.email.clone(),
                name: unit.name.clone(),
                account: None,
                actor,
                audience: Audience::UnitAddress,
            });
        }
        if to_members && unit.integration == Integration::Direct {
            for member in self.store.unit_members(unit.id).await? {
                self.push_account(all, member.account, Audience::UnitMember).await?;
            }
        }
        Ok(())
    }

    /// The 1st-level units (at most a page of them).
    async fn first_level_units(&self) -> AppResult<Vec<Unit>> {
        let page = PageRequest { page: 1, per_page: 100 };
        Ok(self.store.units(page).await?.items.into_iter().filter(|u| u.level == 1).collect())
    }

    async fn push_account(&self, all: &mut Vec<Candidate>, id: AccountId, audience: Audience) -> AppResult<()> {
        if let Some(account) = self.store.account(id).await? {
            let actor = self.actor_for(&account).await?;
            all.push(Candidate {
                address: account.email.clone(),
                name: account.name.clone(),
                account: Some(account),
                actor,
                audience,
            });
        }
        Ok(())
    }

    /// An address, read as its account when it has one and as an anonymous reader when not:
    /// a private ticket never reaches an address that may not read it.
    async fn push_address(&self, all: &mut Vec<Candidate>, address: &str, audience: Audience) -> AppResult<()> {
        match self.store.account_by_email(&address.to_lowercase()).await? {
            Some(account) => self.push_account(all, account.id, audience).await,
            None => {
                all.push(Candidate {
                    address: address.to_owned(),
                    name: String::new(),
                    account: None,
                    actor: Actor::anonymous(),
                    audience,
                });
                Ok(())
            }
        }
    }

    async fn join_notices(
        &self,
        job: i64,
        notify: &NotifyJob,
        unit: UnitId,
        by_name: String,
    ) -> AppResult<Vec<Notice>> {
        let unit_name = self.store.unit(unit).await?.map(|u| u.name).unwrap_or_default();
        let mut notices = Vec::new();
        for manager in self.store.unit_members(unit).await?.into_iter().filter(|m| m.manager) {
            let Some(account) = self.store.account(manager.account).await? else { continue };
            if account.disabled
                || Some(account.id) == notify.by
                || !self.store.wants_notification(account.id, Notification::JoinRequest).await?
            {
                continue;
            }
            notices.push(Notice {
                event: notify.event.clone(),
                to: account.email.clone(),
                to_name: account.name.clone(),
                audience: Audience::Manager,
                ticket: None,
                article: None,
                unit_name: unit_name.clone(),
                by_name: by_name.clone(),
                may_reply: false,
                reply_to: None,
                solution: None,
                verify_url: None,
                reopen_url: None,
                url: format!("{}/units/{unit}", self.public_url),
                key: format!("n{job}-{}", notices.len() + 1),
            });
        }
        Ok(notices)
    }

    /// Queues `mails` and finishes the notify job `job` in one transaction: the change is
    /// announced once, whatever happens to the worker.
    pub async fn queue_notices(&self, job: i64, mails: Vec<OutgoingMail>) -> AppResult<()> {
        let now = self.now();
        self.write(move |mut tx| async move {
            for mail in &mails {
                tx.enqueue_job(&mail.job(now)).await?;
            }
            tx.delete_job(job).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}
