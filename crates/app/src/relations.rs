//! Ties between tickets: a cross reference says two tickets bear on each other. Whoever reads a
//! ticket sees its relations to the tickets they may read, and only how many others there are.

use helpdesk_domain::history::Change;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::relation::{
    MAX_LINKS, MAX_RELATIONS, RelatedTicket, Relation, RelationKind, Relations, TicketLink, check_link, check_master,
    check_parent, check_relation,
};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::Ticket;
use helpdesk_domain::workflow;
use helpdesk_domain::{TicketId, UnitId};

use crate::tickets::{Opening, readable_for_update, record};
use crate::{App, AppError, AppResult};
use crate::{children, duplicates};

impl App {
    /// The relations of ticket `id` as `actor` sees them: those to tickets they may read, and
    /// the number of the others.
    pub async fn relations(&self, actor: &Actor, id: TicketId) -> AppResult<Relations> {
        self.ticket(actor, id).await?;
        self.relations_seen(actor, id).await
    }

    /// The same, for a ticket `actor` is known to read.
    pub(crate) async fn relations_seen(&self, actor: &Actor, id: TicketId) -> AppResult<Relations> {
        let mut seen = Relations::default();
        for relation in self.store.relations_of(id, MAX_RELATIONS).await? {
            match self.store.ticket(relation.other).await? {
                Some(other) if may_read(actor, &other) => seen.items.push(related(&relation, &other)),
                _ => seen.hidden += 1,
            }
        }
        seen.links = self.store.links_of(id, MAX_LINKS).await?;
        Ok(seen)
    }

    /// Adds a web page that bears on ticket `id` (whoever may edit the ticket; at most five
    /// links, each once).
    pub async fn add_link(&self, actor: &Actor, id: TicketId, url: &str) -> AppResult<TicketLink> {
        let url = check_link(url).map_err(AppError::Invalid)?;
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            let ticket = editable(&mut *tx, &actor, id).await?;
            if tx.links_of_in_tx(ticket.id, MAX_LINKS).await?.len() >= MAX_LINKS {
                return Err(AppError::invalid("url", format!("a ticket has at most {MAX_LINKS} related links")));
            }
            let link = tx.insert_link(id, &url, actor.account, now).await?;
            record(&mut *tx, actor.account, id, vec![Change::new("link", None::<String>, &url)], now).await?;
            tx.commit().await?;
            Ok(link)
        })
        .await
    }

    /// Removes related link `link` of ticket `id` (whoever may edit the ticket).
    pub async fn remove_link(&self, actor: &Actor, id: TicketId, link: i64) -> AppResult<()> {
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            editable(&mut *tx, &actor, id).await?;
            let Some(url) = tx.delete_link(link, id).await? else {
                return Err(AppError::NotFound(format!("ticket #{id} has no link {link}")));
            };
            record(&mut *tx, actor.account, id, vec![Change::new("link", &url, None::<String>)], now).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Ties ticket `id` to ticket `other` (supporters of its unit and staff; `other` must be a
    /// ticket they may read). A cross reference only ties them; a master (`other` is `id`'s
    /// master) or a slave (`id` is `other`'s) makes the slave a duplicate, on hold until its
    /// master is solved; a parent or a child makes the child a part of the parent's request, the
    /// parent on hold until its children are solved. Those two ask that the person works on both.
    pub async fn relate(
        &self,
        actor: &Actor,
        id: TicketId,
        kind: RelationKind,
        other: TicketId,
        note: &str,
    ) -> AppResult<RelatedTicket> {
        let note = check_relation(id, other, note).map_err(AppError::Invalid)?;
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            let (ticket, far) = lock_pair(&mut *tx, &actor, id, other).await?;
            let Some(far) = far.filter(|t| may_read(&actor, t)) else {
                return Err(AppError::invalid("ticket", format!("there is no ticket #{other} you may read")));
            };
            if kind != RelationKind::Reference {
                check_ticket(&actor, TicketAction::Relate, &TicketFacts::from(&far))?;
            }
            if tx.relations_of_in_tx(id, MAX_RELATIONS).await?.len() >= MAX_RELATIONS {
                return Err(AppError::invalid("ticket", format!("a ticket has at most {MAX_RELATIONS} relations")));
            }
            let mut relation =
                Relation { id: 0, kind, ticket: id, other, note, created_by: actor.account, created_at: now };
            let conflict = |detail: String| AppError::Conflict { detail, allowed: None };
            // (the upper ticket, the lower one) of a master and its slave or a parent and its child
            let pair = match kind {
                RelationKind::Reference => None,
                RelationKind::Master | RelationKind::Parent => Some((&far, &ticket)),
                RelationKind::Slave | RelationKind::Child => Some((&ticket, &far)),
            };
            match (kind, pair) {
                (RelationKind::Master | RelationKind::Slave, Some((master, slave))) => {
                    let slave_has_slaves = duplicates::has_slaves(&mut *tx, slave.id).await?;
                    check_master(slave, master, slave_has_slaves).map_err(conflict)?;
                }
                (RelationKind::Parent | RelationKind::Child, Some((parent, child))) => {
                    let (child_family, parent_family) =
                        (children::family(&mut *tx, child.id).await?, children::family(&mut *tx, parent.id).await?);
                    check_parent(child, child_family, parent, parent_family).map_err(conflict)?;
                }
                _ => {}
            }
            relation.id = tx.insert_relation(&relation).await?;
            match (kind, pair) {
                (RelationKind::Master | RelationKind::Slave, Some((master, slave))) => {
                    duplicates::hold(&mut *tx, &actor, slave, master.id, now).await?
                }
                (RelationKind::Parent | RelationKind::Child, Some((parent, child))) => {
                    children::adopt(&mut *tx, &actor, parent, child, now).await?
                }
                _ => {
                    for end in [id, other] {
                        let change = Change::new("relation", None::<String>, kind.as_str());
                        record(&mut *tx, actor.account, end, vec![change], now).await?;
                    }
                }
            }
            tx.commit().await?;
            let mut shown = related(&relation, &far);
            if kind == RelationKind::Slave || (kind == RelationKind::Parent && !ticket.status.is_terminal()) {
                shown.status = Status::OnHold;
            }
            Ok(shown)
        })
        .await
    }

    /// Opens a part of ticket `parent`'s request for `unit` (GGUS's child ticket), with its own
    /// title and description, for the parent's requester (see [`workflow::open_child`]), and
    /// ties it to the parent, which waits on hold for it: one transaction, or nothing.
    pub async fn open_child(
        &self,
        actor: &Actor,
        parent: TicketId,
        title: &str,
        description: &str,
        unit: UnitId,
    ) -> AppResult<Ticket> {
        let found = self.store.ticket(parent).await?.filter(|t| may_read(actor, t));
        let found = found.ok_or_else(|| AppError::NotFound(format!("there is no ticket #{parent}")))?;
        let (new, changes) = workflow::open_child(actor, &found, title, description, unit)?;
        if self.store.unit(unit).await?.is_none() {
            return Err(AppError::invalid("unit", format!("there is no unit {unit}")));
        }
        let opening = Opening { new, changes, files: Vec::new(), origin: None, then: None, parent: Some(parent) };
        self.insert_opened(actor, opening).await
    }

    /// Removes relation `relation` of ticket `id` (who may relate the ticket may untie it). A
    /// slave untied from its master is worked on again, and so is a parent left waiting for no
    /// child.
    pub async fn unrelate(&self, actor: &Actor, id: TicketId, relation: i64) -> AppResult<()> {
        let (actor, now) = (actor.clone(), self.now());
        self.write(move |mut tx| async move {
            let found = {
                let ticket = readable_for_update(&mut *tx, &actor, id).await?;
                check_ticket(&actor, TicketAction::Relate, &TicketFacts::from(&ticket))?;
                let all = tx.relations_of_in_tx(id, MAX_RELATIONS).await?;
                all.into_iter().find(|r| r.id == relation)
            };
            let Some(found) = found else {
                return Err(AppError::NotFound(format!("ticket #{id} has no relation {relation}")));
            };
            tx.delete_relation(relation, id).await?;
            // (the upper ticket, the lower one)
            let (upper, lower) = match found.kind {
                RelationKind::Reference => {
                    for end in [id, found.other] {
                        let change = Change::new("relation", found.kind.as_str(), None::<String>);
                        record(&mut *tx, actor.account, end, vec![change], now).await?;
                    }
                    tx.commit().await?;
                    return Ok(());
                }
                RelationKind::Master | RelationKind::Parent => (found.other, id),
                RelationKind::Slave | RelationKind::Child => (id, found.other),
            };
            let missing = |id: TicketId| AppError::NotFound(format!("no ticket #{id}"));
            if matches!(found.kind, RelationKind::Master | RelationKind::Slave) {
                let slave = tx.ticket_for_update(lower).await?.ok_or_else(|| missing(lower))?;
                duplicates::release(&mut *tx, &actor, &slave, upper, now).await?;
            } else {
                let parent = tx.ticket_for_update(upper).await?.ok_or_else(|| missing(upper))?;
                children::disown(&mut *tx, &actor, &parent, lower, now).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

/// Tickets `id` (which `actor` must read and may relate) and `other`, both locked, the lower
/// number first, so that two people tying the same pair from either end wait for each other
/// rather than deadlock.
async fn lock_pair(
    tx: &mut dyn helpdesk_store::Tx,
    actor: &Actor,
    id: TicketId,
    other: TicketId,
) -> AppResult<(Ticket, Option<Ticket>)> {
    let (ticket, far) = if id < other {
        let ticket = readable_for_update(tx, actor, id).await?;
        (ticket, tx.ticket_for_update(other).await?)
    } else {
        let far = tx.ticket_for_update(other).await?;
        (readable_for_update(tx, actor, id).await?, far)
    };
    check_ticket(actor, TicketAction::Relate, &TicketFacts::from(&ticket))?;
    Ok((ticket, far))
}

/// The ticket, locked, if `actor` may edit it now (not once it is verified or closed).
async fn editable(tx: &mut dyn helpdesk_store::Tx, actor: &Actor, id: TicketId) -> AppResult<Ticket> {
    let ticket = readable_for_update(tx, actor, id).await?;
    if ticket.status.is_frozen() {
        return Err(AppError::Conflict {
            detail: format!("ticket #{id} is {}; nothing about it changes any more", ticket.status),
            allowed: None,
        });
    }
    check_ticket(actor, TicketAction::Edit, &TicketFacts::from(&ticket))?;
    Ok(ticket)
}

/// Ticket `id`, just qualified a duplicate of `other`, names it: a cross reference ties them
/// (unless one does already), noted so at both ends, and each end's history says a relation was
/// made. Neither history names the other ticket: its readers may not read both.
pub(crate) async fn name_duplicated(
    tx: &mut dyn helpdesk_store::Tx,
    actor: &Actor,
    id: TicketId,
    other: TicketId,
    now: time::OffsetDateTime,
) -> AppResult<()> {
    let tied = tx.relations_of_in_tx(id, MAX_RELATIONS).await?;
    if tied.iter().any(|r| r.kind == RelationKind::Reference && r.other == other) {
        return Ok(());
    }
    if tied.len() >= MAX_RELATIONS {
        return Err(AppError::invalid("duplicate_of", format!("a ticket has at most {MAX_RELATIONS} relations")));
    }
    let note = format!("#{id} duplicates #{other}");
    let relation = Relation {
        id: 0,
        kind: RelationKind::Reference,
        ticket: id,
        other,
        note,
        created_by: actor.account,
        created_at: now,
    };
    tx.insert_relation(&relation).await?;
    for end in [id, other] {
        let change = Change::new("relation", None::<String>, RelationKind::Reference.as_str());
        record(tx, actor.account, end, vec![change], now).await?;
    }
    Ok(())
}

/// Whether `actor` may read `ticket`.
pub(crate) fn may_read(actor: &Actor, ticket: &Ticket) -> bool {
    check_ticket(actor, TicketAction::Read, &TicketFacts::from(ticket)).is_ok()
}

fn related(relation: &Relation, other: &Ticket) -> RelatedTicket {
    RelatedTicket {
        id: relation.id,
        kind: relation.kind,
        ticket: other.id,
        title: other.title.clone(),
        status: other.status,
        note: relation.note.clone(),
        created_at: relation.created_at,
    }
}
