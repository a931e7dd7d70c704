//! What a master does to its slaves (GGUS's duplicates), inside the transaction that changed it:
//! a slave waits on hold while its master is worked on, gets the master's public replies as its
//! own (so its requester hears them as from their own ticket), is solved with it, and goes its
//! own way again when it is detached or its requester reopens it. The histories say what
//! happened but never which ticket is at the other end: the slave's requester may not read
//! the master (the relations' panel counts such a ticket without showing it).

use helpdesk_domain::TicketId;
use helpdesk_domain::history::Change;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::relation::{MAX_RELATIONS, RelationKind};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Article, Ticket};
use helpdesk_store::{NewArticle, Tx};
use time::OffsetDateTime;

use crate::AppResult;
use crate::clocks::RulesCache;
use crate::notify::{self, Event, events_of_update};
use crate::tickets::record;

/// The slaves of ticket `master`, by number.
async fn slaves_of(tx: &mut dyn Tx, master: TicketId) -> AppResult<Vec<TicketId>> {
    let relations = tx.relations_of_in_tx(master, MAX_RELATIONS).await?;
    Ok(relations.into_iter().filter(|r| r.kind == RelationKind::Slave).map(|r| r.other).collect())
}

/// Whether ticket `id` is the master of any ticket.
pub(crate) async fn has_slaves(tx: &mut dyn Tx, id: TicketId) -> AppResult<bool> {
    Ok(!slaves_of(tx, id).await?.is_empty())
}

/// Writes `next` (a changed `before`) with its history, clocks and notifications, as a change
/// made because of what happened to another ticket (`why`, said with the status's change).
pub(crate) async fn apply(
    tx: &mut dyn Tx,
    actor: &Actor,
    before: &Ticket,
    mut next: Ticket,
    mut changes: Vec<Change>,
    why: String,
    now: OffsetDateTime,
) -> AppResult<()> {
    if next.status != before.status {
        changes.push(Change::new("status", before.status, next.status).because(Some(why)));
    }
    if next.resolution != before.resolution {
        changes.push(Change::new("resolution", before.resolution, next.resolution));
    }
    next.updated_at = now;
    tx.update_ticket(&next).await?;
    record(tx, actor.account, next.id, changes, now).await?;
    crate::timers::keep_timers(tx, Some(before), &next, false, &mut RulesCache::default(), now).await?;
    notify::queue(tx, events_of_update(before, &next), actor.account, &[], now).await
}

/// `slave`, just tied to `master`, waits on hold; both histories say so.
pub(crate) async fn hold(
    tx: &mut dyn Tx,
    actor: &Actor,
    slave: &Ticket,
    master: TicketId,
    now: OffsetDateTime,
) -> AppResult<()> {
    let next = Ticket { status: Status::OnHold, master: Some(master), ..slave.clone() };
    let change = Change::new("relation", None::<String>, RelationKind::Master.as_str());
    apply(tx, actor, slave, next, vec![change], "marked a duplicate".into(), now).await?;
    let change = Change::new("relation", None::<String>, RelationKind::Slave.as_str());
    record(tx, actor.account, master, vec![change], now).await
}

/// `slave`, just untied from its master `master`, is worked on again if it was waiting for it;
/// both histories say so.
pub(crate) async fn release(
    tx: &mut dyn Tx,
    actor: &Actor,
    slave: &Ticket,
    master: TicketId,
    now: OffsetDateTime,
) -> AppResult<()> {
    let status = if slave.status == Status::OnHold { Status::InProgress } else { slave.status };
    let next = Ticket { status, master: None, ..slave.clone() };
    let change = Change::new("relation", RelationKind::Master.as_str(), None::<String>);
    apply(tx, actor, slave, next, vec![change], "no longer a duplicate".into(), now).await?;
    let change = Change::new("relation", RelationKind::Slave.as_str(), None::<String>);
    record(tx, actor.account, master, vec![change], now).await
}

/// After `master` moved from `before`'s status to solved or unsolved: its open slaves follow
/// with the same qualifier.
pub(crate) async fn settle_slaves(
    tx: &mut dyn Tx,
    actor: &Actor,
    before: &Ticket,
    master: &Ticket,
    now: OffsetDateTime,
) -> AppResult<()> {
    if !master.status.is_terminal() || before.status.is_terminal() {
        return Ok(());
    }
    for id in slaves_of(tx, master.id).await? {
        let Some(slave) = tx.ticket_for_update(id).await? else { continue };
        if slave.status.is_terminal() {
            continue;
        }
        let next = Ticket { status: master.status, resolution: master.resolution, ..slave.clone() };
        apply(tx, actor, &slave, next, Vec::new(), "with the ticket it duplicates".into(), now).await?;
    }
    Ok(())
}

/// After the requester reopened `before` (a slave): it leaves its master, to be worked on alone.
pub(crate) async fn detach_reopened(
    tx: &mut dyn Tx,
    actor: &Actor,
    before: &Ticket,
    next: &mut Ticket,
    now: OffsetDateTime,
) -> AppResult<Vec<Change>> {
    let Some(master) = before.master.filter(|_| next.status == Status::Reopened) else { return Ok(Vec::new()) };
    let relations = tx.relations_of_in_tx(before.id, MAX_RELATIONS).await?;
    if let Some(tie) = relations.iter().find(|r| r.kind == RelationKind::Master) {
        tx.delete_relation(tie.id, before.id).await?;
    }
    next.master = None;
    let change = Change::new("relation", RelationKind::Slave.as_str(), None::<String>);
    record(tx, actor.account, master, vec![change], now).await?;
    Ok(vec![Change::new("relation", RelationKind::Master.as_str(), None::<String>)])
}

/// After a public reply `article` on ticket `master`: each open slave gets it as its own reply,
/// told to its requester as any reply is.
pub(crate) async fn copy_reply(
    tx: &mut dyn Tx,
    master: TicketId,
    article: &Article,
    now: OffsetDateTime,
) -> AppResult<()> {
    for id in slaves_of(tx, master).await? {
        let Some(mut slave) = tx.ticket_for_update(id).await? else { continue };
        if slave.status.is_frozen() {
            continue;
        }
        let copy = tx
            .insert_article(&NewArticle {
                ticket: id,
                author: article.author,
                body: article.body.clone(),
                internal: false,
                channel: article.channel,
                at: now,
                external_author: article.external_author.clone(),
            })
            .await?;
        let change = Change::new("article", serde_json::Value::Null, copy.id)
            .because(Some("from the ticket it duplicates".into()));
        record(tx, article.author, id, vec![change], now).await?;
        slave.updated_at = now;
        tx.update_ticket(&slave).await?;
        notify::queue(tx, vec![Event::Reply { ticket: id, article: copy.id }], article.author, &[], now).await?;
    }
    Ok(())
}
