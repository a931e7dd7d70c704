//! Tickets: open, read, list, change, reply, and their history.

use helpdesk_domain::attachment::{NewUpload, accept_uploads};
use helpdesk_domain::clock::{ClockFacts, responds};
use helpdesk_domain::history::{Change, HistoryEntry};
use helpdesk_domain::mail::InboundStatus;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::{Action, Actor, TicketAction, TicketFacts, check, check_ticket, shown_to, visibility};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Article, Channel, Ticket};
use helpdesk_domain::workflow::{self, OpenTicket, Requester, TicketPatch};
use helpdesk_domain::{AccountId, TicketId, UnitId};
use helpdesk_store::{NewArticle, TicketQuery, Tx};

use crate::attachments::{digest, store_files};
use crate::clocks::RulesCache;
use crate::notify::{self, Event, events_of_update};
use crate::origin::Origin;
use crate::{App, AppError, AppResult};

pub use helpdesk_domain::listing::{OpenState, TicketFilter, TicketOrder};
pub use helpdesk_domain::ticket::TicketSummary;

/// The store's query for `filter`, as `actor` may see it at `at`.
fn query(filter: TicketFilter, actor: &Actor, page: PageRequest, at: time::OffsetDateTime) -> TicketQuery {
    TicketQuery { visibility: visibility(actor), filter, page, at }
}

fn not_found(id: TicketId) -> AppError {
    AppError::NotFound(format!("there is no ticket #{id}"))
}

/// A ticket about to be written, with what goes with it.
pub(crate) struct Opening {
    pub new: workflow::NewTicket,
    pub changes: Vec<Change>,
    pub files: Vec<crate::attachments::File>,
    pub origin: Option<Origin>,
    pub then: Option<TicketPatch>,
    pub parent: Option<TicketId>,
}

impl App {
    /// Opens a ticket: validated, triaged, routed to its category's unit, with its history.
    pub async fn open_ticket(&self, actor: &Actor, cmd: OpenTicket) -> AppResult<Ticket> {
        self.open_ticket_with(actor, cmd, Vec::new()).await
    }

    /// Opens a ticket with files attached: the ticket, its files and their history entries are
    /// written together, or nothing is.
    pub async fn open_ticket_with(&self, actor: &Actor, cmd: OpenTicket, uploads: Vec<NewUpload>) -> AppResult<Ticket> {
        self.open_ticket_from(actor, cmd, uploads, None, None, None).await
    }

    /// Opens a ticket; with `unit`, in that unit rather than its category's; with `origin`, as
    /// that inbound message or remote ticket, recorded in the same transaction; with `then`, a
    /// change Helpdesk itself makes to the new ticket in that transaction too (a copy takes the
    /// status its original holds), which the rules may refuse, leaving the ticket as opened.
    pub(crate) async fn open_ticket_from(
        &self,
        actor: &Actor,
        cmd: OpenTicket,
        uploads: Vec<NewUpload>,
        unit: Option<UnitId>,
        origin: Option<Origin>,
        then: Option<TicketPatch>,
    ) -> AppResult<Ticket> {
        // Read outside the write transaction: SQLite has one writer, and every statement inside
        // its transaction holds up all the others. The foreign key still guards the category.
        let category = self
            .store
            .category(cmd.category)
            .await?
            .ok_or_else(|| AppError::invalid("category", format!("there is no category {}", cmd.category)))?;
        if let Some(chosen) = cmd.unit.filter(|_| cmd.kind.has_team())
            && self.store.unit(chosen).await?.is_none()
        {
            return Err(AppError::invalid("unit", format!("there is no unit {chosen}")));
        }
        let requester = self.requester(actor, cmd.on_behalf_of).await?;
        let (mut new, mut changes) = workflow::open(actor, cmd, &category, &requester)?;
        if let Some(unit) = unit {
            new.unit = unit;
            changes.retain(|c| c.field != "unit");
            changes.push(Change::new("unit", serde_json::Value::Null, unit));
        }
        let files = digest(accept_uploads(actor, &new.facts(), uploads)?).await?;
        self.insert_opened(actor, Opening { new, changes, files, origin, then, parent: None }).await
    }

    /// Writes a ticket just opened, its files, history, clocks and notices in one transaction;
    /// a part of a request (`parent`) is tied to its parent in that transaction too, which
    /// waits on hold for it.
    pub(crate) async fn insert_opened(&self, actor: &Actor, opening: Opening) -> AppResult<Ticket> {
        let Opening { new, changes, files, origin, then, parent } = opening;
        // The unit's level is read before the transaction, on the readers.
        let now = self.now();
        let unit_rules = self.rules.get(self.store.as_ref(), new.unit).await?;
        // A new ticket's clocks are stored with it, in its own round trip to the writer (unless
        // Helpdesk changes it at once, or it opens standing still: then they start after).
        let facts = ClockFacts { status: new.status, unit: new.unit, priority: new.priority };
        let opening = match (&unit_rules, &then) {
            (Some(r), None) => crate::clocks::opening_clocks(facts, r, now),
            _ => Vec::new(),
        };
        let level = unit_rules.as_ref().map(|r| r.level.clone()).unwrap_or_default();
        let mut rules = match unit_rules {
            Some(unit_rules) => RulesCache::with(new.unit, unit_rules),
            None => RulesCache::default(),
        };
        let by = actor.account;
        let actor = actor.clone();
        let (ticket, read_sla) = self
            .write(move |mut tx| async move {
                // The parent first: tickets are locked in the order of their numbers.
                let parent = match parent {
                    Some(id) => Some(crate::children::parent_for_new(&mut *tx, &actor, id).await?),
                    None => None,
                };
                let mut history: Vec<HistoryEntry> = changes.into_iter().map(|c| c.at(now, by)).collect();
                history.extend(files.iter().map(|f| f.change(false).at(now, by)));
                let mut ticket = tx.insert_ticket_with_clocks(&new, &history, &opening, now).await?;
                if let Some(parent) = &parent {
                    crate::children::tie_new(&mut *tx, &actor, parent, &ticket, now).await?;
                }
                store_files(&mut *tx, ticket.id, None, false, by, files, now).await?;
                let quiet =
                    Origin::record(&origin, &mut *tx, InboundStatus::TicketOpened, ticket.id, None, now).await?;
                let mut events = vec![Event::Opened { ticket: ticket.id }];
                if let Some(Ok((mut next, changes))) =
                    then.map(|patch| workflow::update(&Actor::system(), &ticket, &patch))
                    && !changes.is_empty()
                {
                    next.updated_at = now;
                    tx.update_ticket(&next).await?;
                    record(&mut *tx, None, ticket.id, changes, now).await?;
                    events.extend(events_of_update(&ticket, &next));
                    ticket = next;
                }
                if opening.is_empty() {
                    crate::timers::keep_timers(&mut *tx, None, &ticket, false, &mut rules, now).await?;
                }
                notify::queue(&mut *tx, events, by, &quiet, now).await?;
                tx.commit().await?;
                if opening.is_empty() {
                    return Ok((ticket, true));
                }
                // What the new clocks say needs no read: they and their level are at hand.
                let clocks: Vec<_> =
                    opening.into_iter().map(|c| helpdesk_store::Clock { ticket: ticket.id, ..c }).collect();
                ticket.sla = crate::clocks::new_ticket_sla(level, &clocks, now);
                Ok((ticket, false))
            })
            .await?;
        if read_sla { self.with_sla_one(ticket).await } else { Ok(ticket) }
    }

    /// Who a new ticket is for: the actor, or the customer named as `on_behalf_of`.
    async fn requester(&self, actor: &Actor, on_behalf_of: Option<AccountId>) -> AppResult<Requester> {
        let (account, organisations) = match on_behalf_of {
            Some(customer) => match self.store.account(customer).await? {
                Some(a) if !a.disabled => (a.id, self.store.memberships(a.id, self.now().date()).await?.organisations),
                _ => {
                    // The policy first, as for any customer (of no organisation): a partner is
                    // refused alike for an account it does not serve and for one that is not
                    // there, and learns nothing of which ids have accounts.
                    check(actor, Action::OpenOnBehalfOf(Vec::new()))?;
                    return Err(AppError::invalid("on_behalf_of", format!("there is no active account {customer}")));
                }
            },
            None => {
                let me = actor.account.ok_or_else(|| AppError::Forbidden("sign in to open a ticket".into()))?;
                (me, actor.member_of.clone())
            }
        };
        Ok(Requester { account, organisations })
    }

    /// One ticket, if `actor` may read it. A ticket they may not read does not exist for them.
    pub async fn ticket(&self, actor: &Actor, id: TicketId) -> AppResult<Ticket> {
        let ticket = self.store.ticket(id).await?.ok_or_else(|| not_found(id))?;
        check_ticket(actor, TicketAction::Read, &TicketFacts::from(&ticket)).map_err(|_| not_found(id))?;
        let ticket = self.seen(actor, ticket).await?;
        self.with_sla_one(ticket).await
    }

    /// `ticket` as `actor` may see it: what the policy keeps from them emptied, and the number
    /// of its master only when they may read the master.
    async fn seen(&self, actor: &Actor, ticket: Ticket) -> AppResult<Ticket> {
        let mut ticket = shown_to(actor, ticket);
        if let Some(master) = ticket.master {
            let readable = self
                .store
                .ticket(master)
                .await?
                .is_some_and(|m| check_ticket(actor, TicketAction::Read, &TicketFacts::from(&m)).is_ok());
            if !readable {
                ticket.master = None;
            }
        }
        Ok(ticket)
    }

    /// Each of `tickets` as `actor` may see it (see [`App::seen`]).
    async fn all_seen(&self, actor: &Actor, tickets: Vec<Ticket>) -> AppResult<Vec<Ticket>> {
        let mut seen = Vec::with_capacity(tickets.len());
        for ticket in tickets {
            seen.push(self.seen(actor, ticket).await?);
        }
        Ok(seen)
    }

    /// A page of the tickets `actor` may read, in the filter's order (newest first by default).
    pub async fn tickets(&self, actor: &Actor, filter: TicketFilter, page: PageRequest) -> AppResult<Page<Ticket>> {
        let mut page = self.store.tickets(&query(filter, actor, page, self.now())).await?;
        let seen = self.all_seen(actor, std::mem::take(&mut page.items)).await?;
        page.items = self.with_sla(seen).await?;
        Ok(page)
    }

    /// The same page as [`App::tickets`], each ticket with its submitter's name and its number
    /// of public replies, for the pages' lists.
    pub async fn ticket_summaries(
        &self,
        actor: &Actor,
        filter: TicketFilter,
        page: PageRequest,
    ) -> AppResult<Page<TicketSummary>> {
        let mut page = self.store.ticket_summaries(&query(filter, actor, page, self.now())).await?;
        let mut seen = Vec::with_capacity(page.items.len());
        for summary in std::mem::take(&mut page.items) {
            seen.push(TicketSummary { ticket: self.seen(actor, summary.ticket).await?, ..summary });
        }
        page.items = seen;
        Ok(page)
    }

    /// Changes some of a ticket's fields; every change is checked and recorded.
    pub async fn update_ticket(&self, actor: &Actor, id: TicketId, patch: TicketPatch) -> AppResult<Ticket> {
        self.update_ticket_from(actor, id, patch, None).await
    }

    /// Changes some of a ticket's fields; with `origin`, as a change made on the other side of
    /// an external-mode unit, recorded in the same transaction.
    pub(crate) async fn update_ticket_from(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        origin: Option<Origin>,
    ) -> AppResult<Ticket> {
        self.update_saying(actor, id, patch, origin, None).await
    }

    /// Reopens a solved or unsolved ticket, saying why in a public reply (the solution mail's
    /// "It is not solved"): the status and the reply are written together, or neither is.
    pub async fn reopen(&self, actor: &Actor, id: TicketId, reason: String) -> AppResult<Ticket> {
        let mut errors = helpdesk_domain::validation::Errors::new();
        helpdesk_domain::validation::check_text(&mut errors, "reason", &reason, workflow::MAX_BODY_BYTES);
        errors.finish(()).map_err(AppError::Invalid)?;
        let patch = TicketPatch { status: Some(Status::Reopened), ..TicketPatch::default() };
        self.update_saying(actor, id, patch, None, Some(reason)).await
    }

    /// Changes a ticket as [`App::update_ticket_from`] does; with `words`, adds them as the
    /// actor's public reply in the same transaction.
    async fn update_saying(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        origin: Option<Origin>,
        words: Option<String>,
    ) -> AppResult<Ticket> {
        let now = self.now();
        if let Some(date) = patch.remind_at
            && date <= now.date()
        {
            return Err(AppError::invalid("remind_at", format!("must be a date after today ({})", now.date())));
        }
        // The ticket a duplicate duplicates is read outside the transaction, as the person
        // may read it; the relation's foreign key still guards it.
        if let Some(other) = patch.duplicate_of {
            let readable = self.store.ticket(other).await?.is_some_and(|t| crate::relations::may_read(actor, &t));
            if !readable {
                return Err(AppError::invalid("duplicate_of", format!("there is no ticket #{other} you may read")));
            }
        }
        // The category the ticket is to have, when the patch changes it or its fields: read
        // outside the transaction, as at opening; the foreign key still guards it.
        let category = match (patch.category, &patch.fields) {
            (Some(chosen), _) => Some(
                self.store
                    .category(chosen)
                    .await?
                    .ok_or_else(|| AppError::invalid("category", format!("there is no category {chosen}")))?,
            ),
            (None, Some(_)) => {
                let current = self.ticket(actor, id).await?.category;
                self.store.category(current).await?
            }
            (None, None) => None,
        };
        let (actor, store) = (actor.clone(), self.store.clone());
        let ticket = self
            .write(move |mut tx| async move {
                let ticket = readable_for_update(&mut *tx, &actor, id).await?;
                if let Some(unit) = patch.unit.filter(|u| *u != ticket.unit)
                    && tx.unit(unit).await?.is_none()
                {
                    return Err(AppError::invalid("unit", format!("there is no unit {unit}")));
                }
                if let Some(Some(owner)) = patch.owner.filter(|o| *o != ticket.owner) {
                    match tx.account(owner).await? {
                        Some(account) if !account.disabled => {}
                        _ => return Err(AppError::invalid("owner", format!("there is no active account {owner}"))),
                    }
                }
                let (mut next, mut changes) = workflow::update(&actor, &ticket, &patch)?;
                if let Some(category) = &category {
                    changes.extend(workflow::recategorise(&actor, &ticket, &patch, category, &mut next)?);
                }
                if changes.is_empty() && words.is_some() {
                    return Err(AppError::Conflict {
                        detail: format!("ticket #{id} is {}, so it is not reopened", ticket.status),
                        allowed: None,
                    });
                }
                if changes.is_empty() {
                    Origin::record_update(&origin, &mut *tx, id).await?;
                    tx.commit().await?;
                    return Ok(shown_to(&actor, ticket));
                }
                changes.extend(crate::duplicates::detach_reopened(&mut *tx, &actor, &ticket, &mut next, now).await?);
                next.updated_at = now;
                tx.update_ticket(&next).await?;
                record(&mut *tx, actor.account, id, changes, now).await?;
                if let Some(other) = patch.duplicate_of {
                    crate::relations::name_duplicated(&mut *tx, &actor, id, other, now).await?;
                }
                crate::duplicates::settle_slaves(&mut *tx, &actor, &ticket, &next, now).await?;
                crate::children::after_change(&mut *tx, &*store, &actor, &ticket, &next, now).await?;
                let answered = actor.units.contains(&ticket.unit) && responds(ticket.status, next.status);
                let mut rules = RulesCache::default();
                crate::timers::keep_timers(&mut *tx, Some(&ticket), &next, answered, &mut rules, now).await?;
                if let Some(date) = patch.remind_at {
                    crate::timers::set_reminder_date(&mut *tx, &next, date, &mut rules).await?;
                }
                Origin::record_update(&origin, &mut *tx, id).await?;
                let mut events = events_of_update(&ticket, &next);
                if let Some(body) = words {
                    let author = actor.account;
                    let article = NewArticle {
                        ticket: id,
                        author,
                        body,
                        internal: false,
                        channel: Channel::Web,
                        at: now,
                        external_author: None,
                    };
                    let article = tx.insert_article(&article).await?;
                    record(
                        &mut *tx,
                        author,
                        id,
                        vec![Change::new("article", serde_json::Value::Null, article.id)],
                        now,
                    )
                    .await?;
                    events.push(Event::Reply { ticket: id, article: article.id });
                }
                notify::queue(&mut *tx, events, actor.account, &[], now).await?;
                tx.commit().await?;
                Ok(shown_to(&actor, next))
            })
            .await?;
        self.with_sla_one(ticket).await
    }

    /// Adds a public reply or an internal note. A reply from the submitter on a ticket waiting
    /// for them moves it back to `in_progress`.
    pub async fn add_article(
        &self,
        actor: &Actor,
        id: TicketId,
        body: String,
        internal: bool,
        channel: Channel,
    ) -> AppResult<Article> {
        self.add_article_with(actor, id, body, internal, channel, Vec::new()).await
    }

    /// Adds a public reply or an internal note with files attached: the article, its files and
    /// their history entries (internal with an internal note) are written together, or nothing is.
    pub async fn add_article_with(
        &self,
        actor: &Actor,
        id: TicketId,
        body: String,
        internal: bool,
        channel: Channel,
        uploads: Vec<NewUpload>,
    ) -> AppResult<Article> {
        self.add_article_from(actor, id, body, internal, channel, uploads, None).await
    }

    /// Adds an article; with `origin`, as that inbound message or remote article, recorded in
    /// the same transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn add_article_from(
        &self,
        actor: &Actor,
        id: TicketId,
        body: String,
        internal: bool,
        channel: Channel,
        uploads: Vec<NewUpload>,
        origin: Option<Origin>,
    ) -> AppResult<Article> {
        // Files are checked and hashed before the write transaction, against the ticket as it is
        // now; the right to attach is asked again of the locked ticket.
        let files = if uploads.is_empty() {
            Vec::new()
        } else {
            let ticket = self.ticket(actor, id).await?;
            digest(accept_uploads(actor, &TicketFacts::from(&ticket), uploads)?).await?
        };
        let now = self.now();
        let actor = actor.clone();
        self.write(move |mut tx| async move {
            let mut ticket = readable_for_update(&mut *tx, &actor, id).await?;
            let status_change = workflow::add_article(&actor, &ticket, &body, internal)?;
            if !files.is_empty() {
                check_ticket(&actor, TicketAction::Attach, &TicketFacts::from(&ticket))?;
            }
            let author = actor.account;
            let external_author = Origin::external_author(&origin);
            let article = tx
                .insert_article(&NewArticle { ticket: id, author, body, internal, channel, at: now, external_author })
                .await?;
            let mut changes = vec![Change::new("article", serde_json::Value::Null, article.id).internal(internal)];
            changes.extend(files.iter().map(|f| f.change(internal)));
            let before = ticket.clone();
            if let Some((status, change)) = status_change {
                ticket.status = status;
                changes.push(change);
            }
            ticket.updated_at = now;
            tx.update_ticket(&ticket).await?;
            // A public reply of the unit's member is its response.
            let answered = !internal && actor.units.contains(&before.unit);
            let mut rules = RulesCache::default();
            crate::timers::keep_timers(&mut *tx, Some(&before), &ticket, answered, &mut rules, now).await?;
            store_files(&mut *tx, id, Some(article.id), internal, author, files, now).await?;
            record(&mut *tx, author, id, changes, now).await?;
            let quiet =
                Origin::record(&origin, &mut *tx, InboundStatus::ArticleAdded, id, Some(article.id), now).await?;
            // An internal note is mailed only to the people involved in the ticket.
            if !internal || !tx.involved_in_tx(id).await?.is_empty() {
                notify::queue(&mut *tx, vec![Event::Reply { ticket: id, article: article.id }], author, &quiet, now)
                    .await?;
            }
            // What the ticket's workers (those who read its internal notes) answer reaches its
            // duplicates' requesters too; what its own requester writes stays theirs.
            if !internal && check_ticket(&actor, TicketAction::ReadInternal, &TicketFacts::from(&before)).is_ok() {
                crate::duplicates::copy_reply(&mut *tx, id, &article, now).await?;
            }
            tx.commit().await?;
            Ok(article)
        })
        .await
    }

    /// A page of a ticket's conversation; internal notes only for those who may read them.
    pub async fn articles(&self, actor: &Actor, id: TicketId, page: PageRequest) -> AppResult<Page<Article>> {
        let ticket = self.ticket(actor, id).await?;
        let internal = check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&ticket)).is_ok();
        Ok(self.store.articles(id, internal, page).await?)
    }

    /// One article, if `actor` may read its ticket (and, for an internal note, internal notes).
    pub async fn article(&self, actor: &Actor, id: helpdesk_domain::ArticleId) -> AppResult<Article> {
        let missing = || AppError::NotFound(format!("there is no article {id}"));
        let article = self.store.article(id).await?.ok_or_else(missing)?;
        let ticket = self.ticket(actor, article.ticket).await.map_err(|_| missing())?;
        if article.internal && check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&ticket)).is_err() {
            return Err(missing());
        }
        Ok(article)
    }

    /// A page of a ticket's history; entries about internal notes only for those who may read them.
    pub async fn history(&self, actor: &Actor, id: TicketId, page: PageRequest) -> AppResult<Page<HistoryEntry>> {
        let ticket = self.ticket(actor, id).await?;
        let internal = check_ticket(actor, TicketAction::ReadInternal, &TicketFacts::from(&ticket)).is_ok();
        Ok(self.store.history(id, internal, page).await?)
    }

    /// The statuses `actor` may move a ticket to next.
    pub async fn next_statuses(&self, actor: &Actor, id: TicketId) -> AppResult<Vec<Status>> {
        let ticket = self.ticket(actor, id).await?;
        Ok(workflow::allowed_for(actor, &TicketFacts::from(&ticket)))
    }
}

/// The ticket, locked for this transaction, if `actor` may read it.
pub(crate) async fn readable_for_update(tx: &mut dyn Tx, actor: &Actor, id: TicketId) -> AppResult<Ticket> {
    let ticket = tx.ticket_for_update(id).await?.ok_or_else(|| not_found(id))?;
    check_ticket(actor, TicketAction::Read, &TicketFacts::from(&ticket)).map_err(|_| not_found(id))?;
    Ok(ticket)
}

pub(crate) async fn record(
    tx: &mut dyn Tx,
    actor: Option<AccountId>,
    id: TicketId,
    changes: Vec<Change>,
    at: time::OffsetDateTime,
) -> AppResult<()> {
    let entries: Vec<HistoryEntry> = changes.into_iter().map(|c| c.at(at, actor)).collect();
    Ok(tx.record_history(id, &entries).await?)
}
