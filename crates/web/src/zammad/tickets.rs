//! Tickets, their articles, states and priorities in the Zammad face.

use std::collections::HashMap;

use axum::extract::State;
use helpdesk_app::AppError;
use helpdesk_app::search::{SearchFilters, SearchSort};
use helpdesk_app::tickets::{TicketFilter, TicketOrder};
use helpdesk_domain::account::Role;
use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::Actor;
use helpdesk_domain::status::{Resolution, Status};
use helpdesk_domain::ticket::{Article, Channel, Priority, Privacy, SecurityRisk, Ticket, TicketType};
use helpdesk_domain::workflow::{OpenTicket, TicketPatch};
use helpdesk_domain::{AccountId, ArticleId, TicketId, UnitId};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::attachments::{self, ZammadFile};
use super::input::{ZammadJson, ZammadPath, ZammadQuery};
use super::{Paging, ZResult, ZammadActor, description_id, list, made, one, unprocessable};
use crate::AppState;

/// A time as Zammad writes it.
pub(crate) fn stamp(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A status's id in the face: its place in Helpdesk's list, from 1.
fn state_id(s: Status) -> i64 {
    Status::ALL.iter().position(|x| *x == s).map_or(0, |i| i as i64 + 1)
}

fn state_name(s: Status) -> String {
    s.as_str().replace('_', " ")
}

/// A status from a face's state name: Helpdesk's names (with spaces or underscores) or
/// Zammad's usual ones.
fn parse_state(name: &str) -> Option<Status> {
    let name = name.trim().to_lowercase();
    match name.as_str() {
        "open" => Some(Status::InProgress),
        "closed" => Some(Status::Solved),
        "pending reminder" => Some(Status::OnHold),
        "pending close" => Some(Status::WaitingForReply),
        "merged" => Some(Status::Unsolved),
        other => other.replace(' ', "_").parse().ok(),
    }
}

const PRIORITY_NAMES: [&str; 4] = ["1 low", "2 normal", "3 high", "4 top"];

fn priority_id(p: Priority) -> i64 {
    Priority::ALL.iter().position(|x| *x == p).map_or(0, |i| i as i64 + 1)
}

fn priority_name(p: Priority) -> &'static str {
    PRIORITY_NAMES[(priority_id(p) - 1).clamp(0, 3) as usize]
}

fn parse_priority(name: &str) -> Option<Priority> {
    let name = name.trim().to_lowercase();
    let word = name.split_once(' ').map(|(_, w)| w).unwrap_or(&name);
    match word {
        "normal" => Some(Priority::Medium),
        w => w.parse().ok(),
    }
}

fn by_id<T: Copy>(all: &[T], id: i64) -> Option<T> {
    usize::try_from(id - 1).ok().and_then(|i| all.get(i).copied())
}

/// A Zammad ticket for a Helpdesk ticket; `groups` names the units.
fn ticket_json(t: &Ticket, groups: &HashMap<UnitId, String>) -> Value {
    json!({
        "id": t.id, "number": t.id.to_string(), "title": t.title,
        "group_id": t.unit, "group": groups.get(&t.unit).cloned().unwrap_or_default(),
        "state_id": state_id(t.status), "state": state_name(t.status),
        "priority_id": priority_id(t.priority), "priority": priority_name(t.priority),
        "customer_id": t.on_behalf_of.unwrap_or(t.submitter), "owner_id": t.owner.unwrap_or(AccountId(1)),
        "organization_id": t.organisation, "created_by_id": t.submitter,
        "created_at": stamp(t.created_at), "updated_at": stamp(t.updated_at),
    })
}

/// The ticket whose description is article `id`, if it is one.
fn described_ticket(id: ArticleId) -> Option<TicketId> {
    (id < ArticleId(0)).then(|| TicketId(-id.get()))
}

fn article_json(a: &Article, t: &Ticket, authors: &HashMap<AccountId, String>, files: &[Attachment]) -> Value {
    let kind = match a.channel {
        Channel::Web => "web",
        Channel::Email => "email",
        _ => "note",
    };
    let sender = match a.author {
        None => "System",
        Some(id) if id == t.submitter || Some(id) == t.on_behalf_of => "Customer",
        Some(_) => "Agent",
    };
    let from = match (&a.external_author, a.author) {
        (Some(there), _) => there.clone(),
        (None, id) => id.and_then(|id| authors.get(&id).cloned()).unwrap_or_else(|| "Helpdesk".into()),
    };
    json!({
        "id": a.id, "ticket_id": a.ticket, "body": a.body, "content_type": "text/plain", "internal": a.internal,
        "type": kind, "sender": sender, "from": from, "subject": Value::Null, "created_by_id": a.author,
        "created_at": stamp(a.created_at), "updated_at": stamp(a.created_at),
        "attachments": attachments::listed(files, (a.id != description_id(t.id)).then_some(a.id.get())),
    })
}

/// Unit names by id, for the tickets' `group`.
async fn group_names(state: &AppState, actor: &Actor) -> Result<HashMap<UnitId, String>, AppError> {
    let units = state.app.units(actor, PageRequest { page: 1, per_page: 100 }).await?;
    Ok(units.items.into_iter().map(|u| (u.id, u.name)).collect())
}

/// What Zammad's `sort_by` sorts tickets by, as Helpdesk keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    /// `id`, `number`, `created_at`: the same order here, numbers being given as tickets open.
    Number,
    /// `updated_at`: the last change.
    Activity,
}

/// How a list of tickets is sorted, as a whole, before it is paged: Zammad's `sort_by` (a
/// column, or several, comma-separated: the first decides, ties go by number) and `order_by`
/// (`asc` or `desc`, likewise), each `default` when not given (lib/sql_helper.rb reads them so;
/// app/models/concerns/can_search.rb defaults to `updated_at`, `desc`).
fn ticket_sort(q: &Paging, default: (SortKey, bool)) -> Result<(SortKey, bool), super::ZammadError> {
    let listed = |value: &Option<String>| -> Vec<String> {
        value
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let mut keys = Vec::new();
    for key in listed(&q.sort_by) {
        keys.push(match key.as_str() {
            "id" | "number" | "created_at" => SortKey::Number,
            "updated_at" => SortKey::Activity,
            other => {
                return Err(unprocessable(format!(
                    "sort_by: Helpdesk sorts tickets by id, number, created_at or updated_at, not '{other}'"
                )));
            }
        });
    }
    let mut descending = Vec::new();
    for order in listed(&q.order_by) {
        descending.push(match order.as_str() {
            "asc" => false,
            "desc" => true,
            other => return Err(unprocessable(format!("order_by: must be asc or desc, not '{other}'"))),
        });
    }
    Ok((keys.first().copied().unwrap_or(default.0), descending.first().copied().unwrap_or(default.1)))
}

/// The list order of a sort.
fn ticket_order(sort: (SortKey, bool)) -> TicketOrder {
    match sort {
        (SortKey::Number, false) => TicketOrder::Oldest,
        (SortKey::Number, true) => TicketOrder::Newest,
        (SortKey::Activity, false) => TicketOrder::EarliestActivity,
        (SortKey::Activity, true) => TicketOrder::LastActivity,
    }
}

/// The search order of a sort.
fn search_order(sort: (SortKey, bool)) -> SearchSort {
    match sort {
        (SortKey::Number, false) => SearchSort::Oldest,
        (SortKey::Number, true) => SearchSort::Newest,
        (SortKey::Activity, false) => SearchSort::EarliestActivity,
        (SortKey::Activity, true) => SearchSort::Activity,
    }
}

/// A page of the tickets the caller may read, the whole list sorted by `sort`.
async fn list_tickets(state: &AppState, actor: &Actor, sort: (SortKey, bool), page: PageRequest) -> ZResult {
    let filter = TicketFilter { order: ticket_order(sort), ..TicketFilter::default() };
    let page = state.app.tickets(actor, filter, page).await?;
    let groups = group_names(state, actor).await?;
    list(page.items.iter().map(|t| ticket_json(t, &groups)).collect())
}

/// `GET tickets`: the tickets the caller may read, paged in id order, 100 to a page, as Zammad
/// pages them (app/controllers/tickets_controller.rb, `index`), so that a ticket opened while a
/// client pages through comes last, and none is seen twice or never. Zammad's index takes no
/// `sort_by` or `order_by`; the face sorts by them as its search does, the whole list.
pub(crate) async fn index(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    let sort = ticket_sort(&q, (SortKey::Number, false))?;
    list_tickets(&state, &actor, sort, q.page_of(100)?).await
}

/// `GET tickets/search?query=…`: Helpdesk's search, only what the caller may read, sorted as
/// Zammad's search sorts (by `updated_at`, newest first, unless asked otherwise); no words (or
/// `*`) list every ticket so.
pub(crate) async fn search(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    let sort = ticket_sort(&q, (SortKey::Activity, true))?;
    let text = q.query.clone().unwrap_or_default();
    if text.trim().is_empty() || text.trim() == "*" {
        return list_tickets(&state, &actor, sort, q.page()?).await;
    }
    let hits = state.app.search(&actor, &text, SearchFilters::default(), search_order(sort), q.page()?).await?;
    let groups = group_names(&state, &actor).await?;
    let mut items = Vec::with_capacity(hits.items.len());
    for hit in &hits.items {
        items.push(ticket_json(&state.app.ticket(&actor, hit.id).await?, &groups));
    }
    super::list(items)
}

/// `GET tickets/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    let ticket = state.app.ticket(&actor, TicketId(id)).await?;
    one(ticket_json(&ticket, &group_names(&state, &actor).await?))
}

/// The first article of a new ticket.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct FirstArticle {
    #[serde(default)]
    body: String,
    #[serde(default)]
    attachments: Vec<ZammadFile>,
}

/// A ticket as Zammad's clients create or change it.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TicketBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    group_id: Option<i64>,
    #[serde(default)]
    customer: Option<String>,
    #[serde(default)]
    customer_id: Option<Value>,
    #[serde(default)]
    article: Option<FirstArticle>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    state_id: Option<i64>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    priority_id: Option<i64>,
    #[serde(default)]
    owner_id: Option<i64>,
    /// Helpdesk's own: `public` (the default, as in GGUS) or `private`.
    #[serde(default)]
    privacy: Option<Privacy>,
}

impl TicketBody {
    fn status(&self) -> Result<Option<Status>, super::ZammadError> {
        match (&self.state, self.state_id) {
            (Some(name), _) => {
                parse_state(name).map(Some).ok_or_else(|| unprocessable(format!("state: no state '{name}'")))
            }
            (None, Some(id)) => {
                by_id(Status::ALL, id).map(Some).ok_or_else(|| unprocessable(format!("state_id: no state {id}")))
            }
            (None, None) => Ok(None),
        }
    }

    fn priority(&self) -> Result<Option<Priority>, super::ZammadError> {
        match (&self.priority, self.priority_id) {
            (Some(name), _) => {
                parse_priority(name).map(Some).ok_or_else(|| unprocessable(format!("priority: no priority '{name}'")))
            }
            (None, Some(id)) => by_id(Priority::ALL, id)
                .map(Some)
                .ok_or_else(|| unprocessable(format!("priority_id: no priority {id}"))),
            (None, None) => Ok(None),
        }
    }

    async fn unit(&self, state: &AppState, actor: &Actor) -> Result<Option<UnitId>, super::ZammadError> {
        if let Some(id) = self.group_id {
            return Ok(Some(UnitId(id)));
        }
        let Some(name) = &self.group else { return Ok(None) };
        let groups = group_names(state, actor).await?;
        groups
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(id, _)| Some(*id))
            .ok_or_else(|| unprocessable(format!("group: no group '{name}'")))
    }
}

fn resolution_for(status: Status) -> Option<Resolution> {
    match status {
        Status::Solved => Some(Resolution::Other),
        Status::Unsolved => Some(Resolution::WontFix),
        _ => None,
    }
}

/// `POST tickets`: opens a ticket in the group's category, the article's body its description.
pub(crate) async fn create(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadJson(body): ZammadJson<TicketBody>,
) -> ZResult {
    let unit = body.unit(&state, &actor).await?.ok_or_else(|| unprocessable("group: a ticket needs a group"))?;
    let categories = state.app.categories(&actor, PageRequest { page: 1, per_page: 100 }).await?;
    let category = categories
        .items
        .iter()
        .find(|c| c.default_unit == unit)
        .map(|c| c.id)
        .ok_or_else(|| unprocessable(format!("group: no category routes to group {unit}")))?;
    let customer = match (&body.customer, &body.customer_id) {
        (Some(email), _) | (None, Some(Value::String(email))) => Some(email.clone()),
        (None, Some(Value::Number(id))) => {
            Some(state.app.account(&actor, AccountId(id.as_i64().unwrap_or_default())).await?.email)
        }
        _ => None,
    };
    let me = state.app.me(&actor).await?;
    let on_behalf_of = match customer {
        Some(customer) => {
            // Zammad's `guess:ADDRESS` makes the customer when there is none yet.
            let (email, guess) = match customer.strip_prefix("guess:") {
                Some(email) => (email.to_owned(), true),
                None => (customer, false),
            };
            if email.eq_ignore_ascii_case(&me.email) {
                None
            } else {
                match state.app.account_for_email(&actor, &email).await {
                    Ok(id) => Some(id),
                    Err(AppError::Invalid(_)) if guess => {
                        let name = email.split('@').next().unwrap_or_default().to_owned();
                        Some(state.app.create_account(&actor, &email, &name, &[Role::Community]).await?.id)
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        None => None,
    };
    let priority = body.priority()?;
    let status = body.status()?;
    let files = attachments::uploads(body.article.as_ref().map(|a| a.attachments.as_slice()).unwrap_or_default())?;
    let cmd = OpenTicket {
        title: body.title.clone().unwrap_or_default(),
        description: body.article.as_ref().map(|a| a.body.clone()).unwrap_or_default(),
        ticket_type: TicketType::Incident,
        category,
        privacy: body.privacy.unwrap_or(Privacy::Public),
        affected_users: 1,
        service_degraded: false,
        security_risk: SecurityRisk::None,
        fields: serde_json::Map::new(),
        on_behalf_of,
        copy_to: Vec::new(),
        link_url: None,
        priority,
        priority_reason: priority.map(|_| "set through the Zammad API".to_owned()),
        kind: helpdesk_domain::team::TicketKind::User,
        team: None,
        unit: None,
    };
    // The group's category routes the ticket to the group.
    let mut ticket = state.app.open_ticket_with(&actor, cmd, files).await?;
    if let Some(status) = status.filter(|s| *s != ticket.status && *s != Status::New) {
        let patch = TicketPatch { status: Some(status), resolution: resolution_for(status), ..TicketPatch::default() };
        ticket = state.app.update_ticket(&actor, ticket.id, patch).await?;
    }
    made(ticket_json(&ticket, &group_names(&state, &actor).await?))
}

/// `PUT tickets/{id}`: state, priority, group, owner and title change.
pub(crate) async fn update(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
    ZammadJson(body): ZammadJson<TicketBody>,
) -> ZResult {
    let status = body.status()?;
    let patch = TicketPatch {
        status,
        resolution: status.and_then(resolution_for),
        priority: body.priority()?,
        priority_reason: body.priority()?.map(|_| "set through the Zammad API".to_owned()),
        unit: body.unit(&state, &actor).await?,
        owner: body.owner_id.map(|o| (o > 1).then_some(AccountId(o))),
        privacy: body.privacy,
        title: body.title.clone(),
        ..TicketPatch::default()
    };
    let ticket = state.app.update_ticket(&actor, TicketId(id), patch).await?;
    one(ticket_json(&ticket, &group_names(&state, &actor).await?))
}

/// A ticket's description as an article of its own ([`description_id`]), written by whoever
/// opened the ticket (as Zammad's first article is its creator's).
fn description(ticket: &Ticket) -> Article {
    Article {
        id: description_id(ticket.id),
        ticket: ticket.id,
        author: Some(ticket.submitter),
        body: ticket.description.clone(),
        internal: false,
        channel: Channel::Web,
        created_at: ticket.created_at,
        external_author: None,
    }
}

/// Every article of a ticket the caller may read, its description first.
async fn all_articles(state: &AppState, actor: &Actor, ticket: &Ticket) -> Result<Vec<Value>, AppError> {
    let names = state.app.account_names(&[ticket.submitter]).await?;
    let files = state.app.attachments(actor, ticket.id).await?;
    let mut all = vec![article_json(&description(ticket), ticket, &names, &files)];
    let mut page = PageRequest { page: 1, per_page: 100 };
    loop {
        let got = state.app.articles(actor, ticket.id, page).await?;
        let ids: Vec<AccountId> = got.items.iter().filter_map(|a| a.author).collect();
        let authors = state.app.account_names(&ids).await?;
        all.extend(got.items.iter().map(|a| article_json(a, ticket, &authors, &files)));
        if got.items.len() < 100 {
            return Ok(all);
        }
        page.page += 1;
    }
}

/// `GET ticket_articles/by_ticket/{id}`.
pub(crate) async fn articles(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    let ticket = state.app.ticket(&actor, TicketId(id)).await?;
    super::list(all_articles(&state, &actor, &ticket).await?)
}

/// `GET ticket_articles/{id}`: an article, or a ticket's description by its id of its own.
pub(crate) async fn article(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    let article = match described_ticket(ArticleId(id)) {
        Some(ticket) => description(&state.app.ticket(&actor, ticket).await?),
        None => state.app.article(&actor, ArticleId(id)).await?,
    };
    one(shown_article(&state, &actor, &article).await?)
}

/// One article as Zammad shows it, with its files.
async fn shown_article(state: &AppState, actor: &Actor, article: &Article) -> Result<Value, AppError> {
    let ticket = state.app.ticket(actor, article.ticket).await?;
    let authors = state.app.account_names(&article.author.into_iter().collect::<Vec<_>>()).await?;
    let files = state.app.attachments(actor, ticket.id).await?;
    Ok(article_json(article, &ticket, &authors, &files))
}

/// A new article as Zammad's clients send it.
#[derive(Debug, Deserialize)]
pub(crate) struct NewArticle {
    ticket_id: i64,
    #[serde(default)]
    body: String,
    #[serde(default)]
    internal: bool,
    #[serde(default)]
    attachments: Vec<ZammadFile>,
}

/// `POST ticket_articles`: a reply, or an internal note with `internal: true`, with any files.
pub(crate) async fn add_article(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadJson(body): ZammadJson<NewArticle>,
) -> ZResult {
    let files = attachments::uploads(&body.attachments)?;
    let article = state
        .app
        .add_article_with(&actor, TicketId(body.ticket_id), body.body, body.internal, Channel::Api, files)
        .await?;
    made(shown_article(&state, &actor, &article).await?)
}

fn state_json(s: Status) -> Value {
    let kind = match s {
        s if s.is_terminal() => "closed",
        Status::New => "new",
        Status::WaitingForReply | Status::OnHold => "pending reminder",
        _ => "open",
    };
    json!({"id": state_id(s), "name": state_name(s), "state_type": kind, "active": true})
}

/// `GET ticket_states`.
pub(crate) async fn states(_: ZammadActor) -> ZResult {
    super::list(Status::ALL.iter().map(|s| state_json(*s)).collect())
}

/// `GET ticket_states/{id}`.
pub(crate) async fn state(_: ZammadActor, ZammadPath(id): ZammadPath<i64>) -> ZResult {
    let s = by_id(Status::ALL, id).ok_or_else(|| AppError::NotFound(format!("there is no state {id}")))?;
    one(state_json(s))
}

fn priority_json(p: Priority) -> Value {
    json!({"id": priority_id(p), "name": priority_name(p), "active": true})
}

/// `GET ticket_priorities`.
pub(crate) async fn priorities(_: ZammadActor) -> ZResult {
    super::list(Priority::ALL.iter().map(|p| priority_json(*p)).collect())
}

/// `GET ticket_priorities/{id}`.
pub(crate) async fn priority(_: ZammadActor, ZammadPath(id): ZammadPath<i64>) -> ZResult {
    let p = by_id(Priority::ALL, id).ok_or_else(|| AppError::NotFound(format!("there is no priority {id}")))?;
    one(priority_json(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zammad_names_map_onto_helpdesk_statuses_and_priorities() {
        let table = [
            ("open", Some(Status::InProgress)),
            ("closed", Some(Status::Solved)),
            ("pending reminder", Some(Status::OnHold)),
            ("in progress", Some(Status::InProgress)),
            ("waiting_for_reply", Some(Status::WaitingForReply)),
            ("new", Some(Status::New)),
            ("nonsense", None),
        ];
        for (name, status) in table {
            assert_eq!(parse_state(name), status, "{name}");
        }
        let table =
            [("1 low", Some(Priority::Low)), ("2 normal", Some(Priority::Medium)), ("3 high", Some(Priority::High))];
        for (name, priority) in table.into_iter().chain([("top", Some(Priority::Top)), ("5 urgent", None)]) {
            assert_eq!(parse_priority(name), priority, "{name}");
        }
        for p in Priority::ALL {
            assert_eq!(parse_priority(priority_name(*p)), Some(*p), "{p} round trip");
        }
        // Our `closed` is set by Helpdesk alone; a client's "closed" means Zammad's, and solves.
        for s in Status::ALL.iter().filter(|s| **s != Status::Closed) {
            assert_eq!(parse_state(&state_name(*s)), Some(*s), "{s} round trip");
        }
        assert_eq!(parse_state(&state_name(Status::Closed)), Some(Status::Solved));
    }
}
