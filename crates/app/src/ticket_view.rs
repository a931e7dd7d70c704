//! The ticket page's read model: everything the page shows of one ticket, read after one read of
//! the ticket and one decision of the policy on it, with what the person may do there.

use helpdesk_domain::clock::{ClockState, TOP_ESCALATION};
use helpdesk_domain::service_level::Lifecycle;
use helpdesk_domain::timer::{TimerKind, WaitingStep, waiting_step};
use std::collections::HashMap;

use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::category::Category;
use helpdesk_domain::connector::ExternalLink;
use helpdesk_domain::history::HistoryEntry;
use helpdesk_domain::organisation::UnitMember;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Action, Actor, TicketAction, TicketFacts, check, check_ticket};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Article, Ticket};
use helpdesk_domain::unit::Unit;
use helpdesk_domain::workflow;
use helpdesk_domain::{AccountId, ArticleId, TicketId};

use helpdesk_domain::relation::{RelationKind, Relations};

use crate::{App, AppResult};

/// One ticket as its page shows it to one person.
#[derive(Debug, Clone)]
pub struct TicketView {
    /// The ticket, as this person may see it.
    pub ticket: Ticket,
    /// Its articles, oldest first (internal notes only for those who may read them).
    pub articles: Vec<Article>,
    /// Its history (entries about internal notes only for those who may read them).
    pub history: Vec<HistoryEntry>,
    /// Its attachments, the ticket's own and its articles'.
    pub attachments: Vec<Attachment>,
    /// The whole messages the description (None) and articles came from, where they keep less.
    pub quoted: Vec<(Option<ArticleId>, String)>,
    /// The names of everyone the page mentions.
    pub names: HashMap<AccountId, String>,
    /// The unit's members this person may make the ticket's owner (its owner left out).
    pub assignable: Vec<UnitMember>,
    /// The statuses this person may move it to next.
    pub next_statuses: Vec<Status>,
    /// Its copy in another ticketing system, for those who read internal notes.
    pub external: Option<ExternalLink>,
    /// The catalogue's categories (the first hundred), for field labels and routing.
    pub categories: Vec<Category>,
    /// The catalogue's units (the first hundred), for names and routing.
    pub units: Vec<Unit>,
    /// What this person may do on the page.
    pub may: TicketMay,
    /// What Helpdesk will do by itself, and when: the timers waiting on the ticket, each with
    /// the number of reminders its level sends before it gives up.
    pub pending: Vec<Pending>,
    /// Its relations to tickets this person may read, and how many others there are.
    pub relations: Relations,
    /// The name of the team whose ticket (team or alarm) it is.
    pub team_name: Option<String>,
    /// For those who work on it: what the requesters of its duplicates (slaves) wrote on them,
    /// each with its ticket, oldest first.
    pub from_duplicates: Vec<(TicketId, Article)>,
    /// For those who read its internal notes: the people involved in it.
    pub involved: Vec<helpdesk_domain::account::InvolvedPerson>,
}

/// A step Helpdesk will take by itself on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// It closes a solution nobody verified at this moment.
    Close(time::OffsetDateTime),
    /// It sends reminder `n` (from 1) to the requester it waits for at this moment.
    Remind(u8, time::OffsetDateTime),
    /// It makes the ticket `unsolved` (no reply) at this moment, its reminders unanswered.
    GiveUp(time::OffsetDateTime),
    /// It reminds the owner (or the unit) at this moment, as a supporter asked.
    RemindOn(time::OffsetDateTime),
}

/// What a person may do on a ticket's page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TicketMay {
    /// Reply publicly.
    pub reply: bool,
    /// Add an internal note.
    pub note: bool,
    /// Attach files.
    pub attach: bool,
    /// Take it (become its owner).
    pub take: bool,
    /// Give it back to the unit (no owner).
    pub unassign: bool,
    /// Set its priority.
    pub set_priority: bool,
    /// Route it to another unit.
    pub set_unit: bool,
    /// Make it public or private.
    pub set_privacy: bool,
    /// Escalate it as its requester (its response time has passed unanswered, and it is not
    /// escalated as far as it goes).
    pub escalate: bool,
    /// Raise it (a team ticket, open) to an alarm.
    pub raise_alarm: bool,
    /// Follow it (or stop following it).
    pub follow: bool,
    /// Whether this person follows it now.
    pub following: bool,
    /// Tie it to other tickets, or untie it.
    pub relate: bool,
    /// Change what was written at opening (title, description, link, copies).
    pub edit: bool,
    /// How its requester hears of it, when this person is its requester (and so may choose).
    pub requester_mode: Option<helpdesk_domain::account::RequesterMode>,
}

impl App {
    /// Ticket `id` as its page shows it to `actor` (`page` of its articles and history).
    pub async fn ticket_view(&self, actor: &Actor, id: TicketId, page: PageRequest) -> AppResult<TicketView> {
        let ticket = self.ticket(actor, id).await?;
        let facts = TicketFacts::from(&ticket);
        let may = |action: TicketAction| check_ticket(actor, action, &facts).is_ok();
        let internal = may(TicketAction::ReadInternal);
        let articles = self.store.articles(id, internal, page).await?.items;
        let history = self.store.history(id, internal, page).await?.items;
        let attachments = self.store.attachments(id, internal).await?;
        let quoted = readable_texts(self.store.mail_full_texts(id).await?, internal);
        let external = match internal {
            true => self.store.external_link(id).await?.map(|l| l.link),
            false => None,
        };
        let members = match may(TicketAction::SetOwner(None)) || may(TicketAction::SetOwner(actor.account)) {
            true => self.unit_members(actor, ticket.unit).await.unwrap_or_default(),
            false => Vec::new(),
        };
        let relations = self.relations_seen(actor, id).await?;
        let from_duplicates = match internal {
            true => self.duplicates_words(&relations).await?,
            false => Vec::new(),
        };
        let mut people: Vec<AccountId> = vec![ticket.submitter];
        people.extend(from_duplicates.iter().filter_map(|(_, a)| a.author));
        people.extend(ticket.owner);
        people.extend(ticket.on_behalf_of);
        people.extend(articles.iter().filter_map(|a| a.author));
        people.extend(history.iter().filter_map(|h| h.actor));
        people.extend(members.iter().map(|m| m.account));
        people.sort_unstable();
        people.dedup();
        let names = self.store.account_names(&people).await?;
        let assignable = members
            .into_iter()
            .filter(|m| Some(m.account) != ticket.owner && may(TicketAction::SetOwner(Some(m.account))))
            .collect();
        check(actor, Action::ReadCatalog)?;
        let categories = self.store.categories(crate::FIRST_HUNDRED).await?.items;
        let units = self.store.units(crate::FIRST_HUNDRED).await?.items;
        let follow = may(TicketAction::Follow);
        let following = match actor.account {
            Some(account) if follow => self.store.follows(id, account).await?,
            _ => false,
        };
        let requester_mode = match may(TicketAction::SetRequesterMode) {
            true => Some(self.mode_of(&ticket).await?),
            false => None,
        };
        let may = TicketMay {
            requester_mode,
            reply: may(TicketAction::Reply),
            note: may(TicketAction::AddInternalNote),
            attach: may(TicketAction::Attach),
            take: actor.account.is_some()
                && ticket.owner != actor.account
                && may(TicketAction::SetOwner(actor.account)),
            unassign: ticket.owner.is_some() && may(TicketAction::SetOwner(None)),
            set_priority: may(TicketAction::SetPriority),
            set_unit: may(TicketAction::SetUnit),
            set_privacy: may(TicketAction::SetPrivacy),
            escalate: may(TicketAction::Escalate)
                && ticket.sla.as_ref().is_some_and(|sla| {
                    sla.escalation_step < TOP_ESCALATION
                        && sla.response.as_ref().is_some_and(|r| r.state == ClockState::Breached)
                }),
            // The same rules as raising it: the kind, the status and the policy.
            raise_alarm: workflow::raise_alarm(actor, &ticket).is_ok(),
            follow,
            following,
            relate: may(TicketAction::Relate),
            edit: !ticket.status.is_frozen() && may(TicketAction::Edit),
        };
        let next_statuses = workflow::allowed_for(actor, &facts);
        let team_name = match ticket.team {
            Some(team) => self.store.team(team).await?.map(|t| t.name),
            None => None,
        };
        let pending = self.pending(&ticket, &units).await?;
        // Looking at a ticket of one's own marks its changes read (the dashboard's alerts); it
        // is written only when something changed since the last look.
        if let Some(me) = actor.account {
            let mine = [Some(ticket.submitter), ticket.on_behalf_of, ticket.owner].contains(&Some(me)) || following;
            let unseen = mine
                && match self.store.seen_at(me, id).await? {
                    (Some(seen), Some(changed)) => seen < changed,
                    _ => true,
                };
            if unseen {
                let now = self.now();
                self.write(move |mut tx| async move {
                    tx.mark_seen(me, id, now).await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await?;
            }
        }
        let involved = match internal {
            true => self.involved(actor, id).await?,
            false => Vec::new(),
        };
        Ok(TicketView {
            ticket,
            articles,
            history,
            attachments,
            quoted,
            names,
            assignable,
            next_statuses,
            external,
            categories,
            units,
            may,
            pending,
            relations,
            from_duplicates,
            team_name,
            involved,
        })
    }

    /// The public articles the requesters of the readable slaves among `relations` wrote on
    /// them (the master's own replies, copied there, left out), oldest first.
    async fn duplicates_words(&self, relations: &Relations) -> AppResult<Vec<(TicketId, Article)>> {
        let mut words = Vec::new();
        for slave in relations.items.iter().filter(|r| r.kind == RelationKind::Slave) {
            let Some(ticket) = self.store.ticket(slave.ticket).await? else { continue };
            let requesters = [Some(ticket.submitter), ticket.on_behalf_of];
            let articles = self.store.articles(ticket.id, false, crate::FIRST_HUNDRED).await?.items;
            words.extend(
                articles
                    .into_iter()
                    .filter(|a| a.author.is_some() && requesters.contains(&a.author))
                    .map(|a| (ticket.id, a)),
            );
        }
        words.sort_by_key(|(_, a)| (a.created_at, a.id));
        Ok(words)
    }

    /// What Helpdesk will do by itself on `ticket`, the soonest first.
    async fn pending(&self, ticket: &Ticket, units: &[Unit]) -> AppResult<Vec<Pending>> {
        let mut pending = Vec::new();
        for timer in self.store.timers_of(ticket.id).await? {
            pending.push(match timer.kind {
                TimerKind::AutoClose => Pending::Close(timer.due_at),
                TimerKind::WaitingReminder => {
                    let level = match units.iter().find(|u| u.id == ticket.unit) {
                        Some(unit) => self.store.service_level(unit.service_level).await?,
                        None => None,
                    };
                    let reminders = level.map_or(Lifecycle::default().auto_unsolved_after_reminders, |l| {
                        l.auto_unsolved_after_reminders
                    });
                    match waiting_step(u8::try_from(timer.stage).unwrap_or(u8::MAX), reminders) {
                        WaitingStep::Remind(n) => Pending::Remind(n, timer.due_at),
                        WaitingStep::GiveUp => Pending::GiveUp(timer.due_at),
                    }
                }
                TimerKind::ReminderDate => Pending::RemindOn(timer.due_at),
                // The clocks are shown as clocks.
                TimerKind::ResponseClock | TimerKind::ResolutionClock => continue,
            });
        }
        Ok(pending)
    }
}

/// The full texts of a ticket's mail (article, internal note?, text) that a person reads: those
/// of internal notes only with `internal`.
pub(crate) fn readable_texts(
    texts: Vec<(Option<ArticleId>, bool, String)>,
    internal: bool,
) -> Vec<(Option<ArticleId>, String)> {
    texts.into_iter().filter(|(_, note, _)| internal || !note).map(|(article, _, text)| (article, text)).collect()
}
