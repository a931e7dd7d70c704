//! What children do to their parent (GGUS's parent and child tickets: one request split among
//! units), inside the transaction that changed them. The parent waits on hold while any child is
//! open; each child's solution is added to the parent's conversation, as Helpdesk's own article
//! that whoever reads the parent reads; when the last child is solved the parent is worked on
//! again, and a child reopened puts it back on hold. As with duplicates, the parent's history
//! and conversation never name a child: its readers may not read every child.

use helpdesk_domain::TicketId;
use helpdesk_domain::history::Change;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::{Actor, TicketAction, TicketFacts, check_ticket};
use helpdesk_domain::relation::{Family, MAX_RELATIONS, Relation, RelationKind, check_parent};
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Channel, Ticket};
use helpdesk_store::{NewArticle, Store, Tx};
use time::OffsetDateTime;

use crate::duplicates::apply;
use crate::notify::{self, Event};
use crate::tickets::{readable_for_update, record};
use crate::{AppError, AppResult};

/// Where ticket `id` stands among parents and children.
pub(crate) async fn family(tx: &mut dyn Tx, id: TicketId) -> AppResult<Family> {
    Ok(family_of(&tx.relations_of_in_tx(id, MAX_RELATIONS).await?))
}

/// Where a ticket with `relations` stands among parents and children.
fn family_of(relations: &[Relation]) -> Family {
    Family {
        parent: relations.iter().find(|r| r.kind == RelationKind::Parent).map(|r| r.other),
        has_children: relations.iter().any(|r| r.kind == RelationKind::Child),
    }
}

/// Whether any child of `parent` other than `but` is open.
async fn others_open(tx: &mut dyn Tx, parent: TicketId, but: Option<TicketId>) -> AppResult<bool> {
    let relations = tx.relations_of_in_tx(parent, MAX_RELATIONS).await?;
    for child in relations.iter().filter(|r| r.kind == RelationKind::Child && Some(r.other) != but) {
        if tx.ticket_for_update(child.other).await?.is_some_and(|c| !c.status.is_terminal()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `parent` waits on hold (unless it already does), `why`.
async fn hold(tx: &mut dyn Tx, actor: &Actor, parent: &Ticket, why: &str, now: OffsetDateTime) -> AppResult<()> {
    if parent.status == Status::OnHold || parent.status.is_terminal() {
        return Ok(());
    }
    let next = Ticket { status: Status::OnHold, ..parent.clone() };
    apply(tx, actor, parent, next, Vec::new(), why.to_owned(), now).await
}

/// `parent` is worked on again if it waited on hold and no child is open but `but`.
async fn resume(
    tx: &mut dyn Tx,
    actor: &Actor,
    parent: &Ticket,
    but: Option<TicketId>,
    now: OffsetDateTime,
) -> AppResult<()> {
    if parent.status != Status::OnHold || others_open(tx, parent.id, but).await? {
        return Ok(());
    }
    let next = Ticket { status: Status::InProgress, ..parent.clone() };
    apply(tx, actor, parent, next, Vec::new(), "every part of it is solved".into(), now).await
}

/// `child`, just tied to `parent`: both histories say so, and the parent waits for an open child.
pub(crate) async fn adopt(
    tx: &mut dyn Tx,
    actor: &Actor,
    parent: &Ticket,
    child: &Ticket,
    now: OffsetDateTime,
) -> AppResult<()> {
    for (end, kind) in [(parent.id, RelationKind::Child), (child.id, RelationKind::Parent)] {
        record(tx, actor.account, end, vec![Change::new("relation", None::<String>, kind.as_str())], now).await?;
    }
    if !child.status.is_terminal() {
        hold(tx, actor, parent, "waiting for a part of it", now).await?;
    }
    Ok(())
}

/// Ticket `id`, locked, about to receive a part opened from it: `actor` reads it and may relate
/// it.
pub(crate) async fn parent_for_new(tx: &mut dyn Tx, actor: &Actor, id: TicketId) -> AppResult<Ticket> {
    let parent = readable_for_update(tx, actor, id).await?;
    check_ticket(actor, TicketAction::Relate, &TicketFacts::from(&parent))?;
    Ok(parent)
}

/// `child`, just opened as a part of `parent`, tied to it as any child is (the same rules: one
/// level, an open parent, at most [`MAX_RELATIONS`] relations; refused, nothing is written).
pub(crate) async fn tie_new(
    tx: &mut dyn Tx,
    actor: &Actor,
    parent: &Ticket,
    child: &Ticket,
    now: OffsetDateTime,
) -> AppResult<()> {
    let relations = tx.relations_of_in_tx(parent.id, MAX_RELATIONS).await?;
    if relations.len() >= MAX_RELATIONS {
        return Err(AppError::invalid("ticket", format!("a ticket has at most {MAX_RELATIONS} relations")));
    }
    check_parent(child, Family::default(), parent, family_of(&relations))
        .map_err(|detail| AppError::Conflict { detail, allowed: None })?;
    let relation = Relation {
        id: 0,
        kind: RelationKind::Child,
        ticket: parent.id,
        other: child.id,
        note: String::new(),
        created_by: actor.account,
        created_at: now,
    };
    tx.insert_relation(&relation).await?;
    adopt(tx, actor, parent, child, now).await
}

/// Child `child`, just untied from `parent`: both histories say so, and the parent goes on if it
/// waited for nothing else.
pub(crate) async fn disown(
    tx: &mut dyn Tx,
    actor: &Actor,
    parent: &Ticket,
    child: TicketId,
    now: OffsetDateTime,
) -> AppResult<()> {
    for (end, kind) in [(parent.id, RelationKind::Child), (child, RelationKind::Parent)] {
        record(tx, actor.account, end, vec![Change::new("relation", kind.as_str(), None::<String>)], now).await?;
    }
    resume(tx, actor, parent, Some(child), now).await
}

/// The last public words of `ticket`'s workers (not its requesters'), as committed: the
/// solution a child gives its parent.
pub(crate) async fn last_answer(store: &dyn Store, ticket: &Ticket) -> AppResult<Option<String>> {
    let requesters = [Some(ticket.submitter), ticket.on_behalf_of];
    let first = store.articles(ticket.id, false, crate::FIRST_HUNDRED).await?;
    let pages = (first.total + 99) / 100;
    let last = match pages {
        0 | 1 => first.items,
        n => {
            let page = PageRequest::new(Some(n), Some(100)).map_err(crate::AppError::Invalid)?;
            store.articles(ticket.id, false, page).await?.items
        }
    };
    Ok(last.into_iter().rev().find(|a| a.author.is_some() && !requesters.contains(&a.author)).map(|a| a.body))
}

/// After `before` became `after`: if it is a child that was just solved or unsolved, its
/// solution (the name of its unit and the last public words of its workers) joins its parent's
/// conversation and the parent goes on once no child is open; if it was reopened, its parent
/// waits for it again.
pub(crate) async fn after_change(
    tx: &mut dyn Tx,
    store: &dyn Store,
    actor: &Actor,
    before: &Ticket,
    after: &Ticket,
    now: OffsetDateTime,
) -> AppResult<()> {
    let solved = after.status.is_terminal() && !before.status.is_terminal();
    let reopened = !after.status.is_terminal() && before.status.is_terminal();
    if !solved && !reopened {
        return Ok(());
    }
    let Some(parent) = family(tx, after.id).await?.parent else { return Ok(()) };
    let Some(parent) = tx.ticket_for_update(parent).await? else { return Ok(()) };
    if parent.status.is_frozen() {
        return Ok(());
    }
    if reopened {
        return hold(tx, actor, &parent, "a part of it was reopened", now).await;
    }
    let unit = tx.unit(after.unit).await?.map(|u| u.name).unwrap_or_else(|| format!("unit {}", after.unit));
    let words = last_answer(store, after).await?;
    let qualifier = after.resolution.map(|r| r.as_str().replace('_', " ")).unwrap_or_else(|| after.status.to_string());
    let mut body = format!("A part of this request, handled by {unit}, is {} ({qualifier}).", after.status);
    if let Some(words) = words {
        body.push_str("\n\n");
        body.push_str(&words);
    }
    let article = tx
        .insert_article(&NewArticle {
            ticket: parent.id,
            author: None,
            body,
            internal: false,
            channel: Channel::System,
            at: now,
            external_author: None,
        })
        .await?;
    let change =
        Change::new("article", serde_json::Value::Null, article.id).because(Some("a part of it is solved".into()));
    record(tx, None, parent.id, vec![change], now).await?;
    notify::queue(tx, vec![Event::Reply { ticket: parent.id, article: article.id }], None, &[], now).await?;
    resume(tx, actor, &parent, None, now).await
}
