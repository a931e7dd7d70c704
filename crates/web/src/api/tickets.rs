//! `/api/v1/tickets`: open, list, read, change, reply, history, service-level clocks, escalation.

use axum::Json;
use axum::response::IntoResponse;
use helpdesk_app::bulk::BulkOutcome;
use helpdesk_app::tickets::OpenState;
use helpdesk_app::tickets::TicketFilter;
use helpdesk_domain::clock::SlaDetail;
use helpdesk_domain::history::HistoryEntry;
use helpdesk_domain::listing::{Lateness, TicketOrder};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::policy::Actor;
use helpdesk_domain::status::{Resolution, Status};
use helpdesk_domain::team::TicketKind;
use helpdesk_domain::ticket::{Article, Channel, Priority, Privacy, SecurityRisk, Ticket, TicketType};
use helpdesk_domain::workflow::{OpenTicket, TicketPatch};
use helpdesk_domain::{AccountId, CategoryId, TeamId, TicketId, UnitId};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, PageParams, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiJsonWithFiles, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// What opening a ticket takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    /// One line, at most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    /// The description (Markdown), at most 256 KiB.
    #[schema(min_length = 1)]
    pub description: String,
    /// The category's id.
    pub category: CategoryId,
    /// Incident or service request.
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// Public or private.
    pub privacy: Privacy,
    /// Users affected (triage), 0 when not given.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub affected_users: Option<i64>,
    /// Whether the incident degrades a service (triage).
    #[serde(default)]
    pub service_degraded: Option<bool>,
    /// The security risk (triage).
    #[serde(default)]
    pub security_risk: Option<SecurityRisk>,
    /// Values of the category's own fields, by key.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// The customer to open it for (partners, for the organisations they serve; staff).
    #[serde(default)]
    pub on_behalf_of: Option<AccountId>,
    /// Addresses to send a copy of the public replies to, at most 10.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub copy_to: Option<Vec<String>>,
    /// A link to what the ticket is about: http or https, at most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub link_url: Option<String>,
    /// A priority other than the triage's (named users, partners, supporters, staff); needs `priority_reason`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Why the priority differs from the triage's.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub priority_reason: Option<String>,
    /// `user` (the default: the opener's own), `team` (by a member, for the team: every member
    /// works it) or `alarm` (by the team's alarmers: top priority, mailed at once to the unit's
    /// alarm address).
    #[serde(default)]
    pub kind: Option<TicketKind>,
    /// The team of a team or alarm ticket (and of no other).
    #[serde(default)]
    pub team: Option<TeamId>,
    /// The unit a team or alarm ticket goes straight to, bypassing the 1st level (and no other
    /// ticket: those go to their category's unit).
    #[serde(default)]
    pub unit: Option<UnitId>,
}

/// A change to some of a ticket's fields; a field left out stays as it is.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicket {
    /// The new status (the transition table decides which are allowed).
    pub status: Option<Status>,
    /// The qualifier of a solved or unsolved ticket.
    pub resolution: Option<Resolution>,
    /// The new priority.
    pub priority: Option<Priority>,
    /// Why the priority differs from the triage result; required when it does.
    pub priority_reason: Option<String>,
    /// The unit to reassign or escalate to.
    pub unit: Option<UnitId>,
    /// The new owner's account id; null takes the owner away.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable)]
    pub owner: Option<Option<AccountId>>,
    /// Public or private.
    pub privacy: Option<Privacy>,
    /// A date after today (`2026-12-24`) on which the owner, or the unit when nobody owns the
    /// ticket, is reminded of it once; for a ticket that is (or is set) `waiting_for_reply` or
    /// `on_hold`, by its supporters and staff.
    #[schema(value_type = Option<String>, format = Date)]
    pub remind_at: Option<String>,
    /// A new title (the requester's side while the ticket is not solved, and its supporters).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub title: Option<String>,
    /// A new description (Markdown), as whoever may change the title.
    #[schema(min_length = 1)]
    pub description: Option<String>,
    /// A new link (http or https); null or empty takes it away.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub link_url: Option<Option<String>>,
    /// All "send a copy to" addresses from now on (an empty list takes them away).
    #[schema(max_items = 10)]
    pub copy_to: Option<Vec<String>>,
    /// Another category (the requester's side while the ticket is not solved, and its
    /// supporters): its fields are checked again (those given in `fields`, else the ticket's),
    /// and a ticket nobody has taken yet goes to its default unit.
    pub category: Option<CategoryId>,
    /// All the values of the category's fields from now on, checked as at opening.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `resolution: duplicate`, the number of the ticket this one duplicates (a ticket the
    /// caller may read; required unless the ticket is a slave, which duplicates its master). The
    /// two are tied by a cross reference, which names each only to those who may read it.
    pub duplicate_of: Option<i64>,
}

/// The same change to many tickets (the queue's bulk changes).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdate {
    /// The tickets' numbers, 1 to 500.
    #[schema(min_items = 1, max_items = 500)]
    pub tickets: Vec<i64>,
    /// The new status of each.
    pub status: Option<Status>,
    /// The qualifier of a solved or unsolved status.
    pub resolution: Option<Resolution>,
    /// The new priority of each.
    pub priority: Option<Priority>,
    /// Why the priority differs from each ticket's triage result.
    pub priority_reason: Option<String>,
    /// The unit to move each to.
    pub unit: Option<UnitId>,
    /// The owner of each; null takes the owners away.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable)]
    pub owner: Option<Option<AccountId>>,
}

/// Tells a field given as null (`Some(None)`) from one left out (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A reply or an internal note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticle {
    /// The text (Markdown), at most 256 KiB.
    #[schema(min_length = 1)]
    pub body: String,
    /// An internal note, seen only by the ticket's supporters and staff.
    #[serde(default)]
    pub internal: bool,
}

/// Open or finished tickets.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Every status not yet finished.
    Open,
    /// Solved, unsolved, verified or closed.
    Closed,
}

/// The orders of the ticket list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
    /// Latest change first.
    Activity,
    /// Highest priority first, then oldest.
    Priority,
    /// Nearest service-level due time first.
    Due,
    /// The work queue's order.
    Queue,
}

/// Filters and page of the ticket list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTickets {
    /// One status.
    pub status: Option<Status>,
    /// Open or finished tickets.
    pub state: Option<TicketState>,
    /// A category's id.
    pub category: Option<CategoryId>,
    /// A unit's id.
    pub unit: Option<UnitId>,
    /// One priority.
    pub priority: Option<Priority>,
    /// Text in the title (any case), or a ticket number.
    pub q: Option<String>,
    /// Only tickets with a service-level clock this late: `warning` (a quarter of its time or
    /// less left) or `breached`.
    pub sla: Option<Lateness>,
    /// Only the caller's (`me`), nobody's (`none`) or an account's (its id) tickets.
    #[param(pattern = r"^(me|none|[0-9]{1,18})$")]
    pub owner: Option<String>,
    /// Only tickets of any of these units: their ids, separated by commas (`1,4,7`; at most 50).
    #[param(pattern = r"^[0-9]{1,18}(,[0-9]{1,18}){0,49}$")]
    pub units: Option<String>,
    /// Only the duplicates (slaves) of this ticket.
    pub master: Option<TicketId>,
    /// Only the children (parts) of this ticket.
    pub parent: Option<TicketId>,
    /// Only tickets of this kind: `user`, `team` or `alarm`.
    pub kind: Option<TicketKind>,
    /// Only this team's tickets.
    pub team: Option<TeamId>,
    /// The order: `newest` (the default), `oldest`, `activity` (latest change first),
    /// `priority` (top first, then oldest), `due` (nearest service-level due time first) or
    /// `queue` (the work queue's: nearest due, new, unowned, priority, oldest).
    pub order: Option<ListOrder>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

impl ListTickets {
    fn filter(&self, actor: &Actor) -> Result<(TicketFilter, PageRequest), Problem> {
        let state = self.state.map(|s| match s {
            TicketState::Open => OpenState::Open,
            TicketState::Closed => OpenState::Closed,
        });
        let page = PageRequest::new(self.page, self.per_page).map_err(helpdesk_app::AppError::Invalid)?;
        let (owner, unassigned) = match self.owner.as_deref() {
            None => (None, false),
            Some("none") => (None, true),
            Some("me") => match actor.account {
                Some(me) => (Some(me), false),
                None => {
                    return Err(
                        helpdesk_app::AppError::Unauthenticated("sign in to list your own tickets".into()).into()
                    );
                }
            },
            Some(id) => match id.parse::<i64>() {
                Ok(id) => (Some(AccountId(id)), false),
                Err(_) => {
                    return Err(helpdesk_app::AppError::invalid("owner", "must be me, none or an account's id").into());
                }
            },
        };
        let units = match self.units.as_deref() {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|id| id.trim().parse::<i64>().map(UnitId))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| helpdesk_app::AppError::invalid("units", "must be units' ids separated by commas"))?,
        };
        if units.len() > 50 {
            return Err(helpdesk_app::AppError::invalid("units", "at most 50 units").into());
        }
        let order = match self.order {
            None | Some(ListOrder::Newest) => TicketOrder::Newest,
            Some(ListOrder::Oldest) => TicketOrder::Oldest,
            Some(ListOrder::Activity) => TicketOrder::LastActivity,
            Some(ListOrder::Priority) => TicketOrder::Priority,
            Some(ListOrder::Due) => TicketOrder::Due,
            Some(ListOrder::Queue) => TicketOrder::Queue,
        };
        Ok((
            TicketFilter {
                status: self.status,
                state,
                category: self.category,
                unit: self.unit,
                priority: self.priority,
                text: self.q.clone(),
                sla: self.sla,
                owner,
                unassigned,
                units,
                master: self.master,
                parent: self.parent,
                kind: self.kind,
                team: self.team,
                order,
                ..TicketFilter::default()
            },
            page,
        ))
    }
}

/// A request with files: the request's JSON in the part `body`, each file in a part
/// `attachments` with its file name (at most 5 files of at most 10 MiB each, as on the pages).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct WithFiles {
    /// The request, as JSON.
    #[schema(content_media_type = "application/json")]
    pub body: String,
    /// The files.
    #[schema(value_type = Vec<String>, format = Binary, max_items = 5)]
    pub attachments: Vec<Vec<u8>>,
}

/// Opens a ticket: triaged, routed to its category's default unit, status `new`. Files come
/// with it as a multipart form (the JSON in `body`, files in `attachments`).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets",
    request_body(content((CreateTicket = "application/json"), (WithFiles = "multipart/form-data"))),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new ticket", body = Ticket),
        WriteRefusals,
    ))]
pub async fn create_ticket(
    Caller { state, actor }: Caller,
    ApiJsonWithFiles { body, files }: ApiJsonWithFiles<CreateTicket>,
) -> Result<impl IntoResponse, Problem> {
    let cmd = OpenTicket {
        title: body.title,
        description: body.description,
        ticket_type: body.ticket_type,
        category: body.category,
        privacy: body.privacy,
        affected_users: body.affected_users.unwrap_or(0),
        service_degraded: body.service_degraded.unwrap_or(false),
        security_risk: body.security_risk.unwrap_or_default(),
        fields: body.fields.unwrap_or_default(),
        on_behalf_of: body.on_behalf_of,
        copy_to: body.copy_to.unwrap_or_default(),
        link_url: body.link_url,
        priority: body.priority,
        priority_reason: body.priority_reason,
        kind: body.kind.unwrap_or_default(),
        team: body.team,
        unit: body.unit,
    };
    let ticket = state.app.open_ticket_with(&actor, cmd, files).await?;
    Ok(created(format!("/api/v1/tickets/{}", ticket.id), ticket))
}

/// Lists the tickets the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(ListTickets),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tickets", body = Page<Ticket>),
        ReadRefusals,
    ))]
pub async fn list_tickets(
    Caller { state, actor }: Caller,
    ApiQuery(query): ApiQuery<ListTickets>,
) -> ApiResult<Page<Ticket>> {
    let (filter, page) = query.filter(&actor)?;
    Ok(Json(state.app.tickets(&actor, filter, page).await?))
}

/// One ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ticket", body = Ticket),
        ReadRefusals,
    ))]
pub async fn get_ticket(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<Ticket> {
    Ok(Json(state.app.ticket(&actor, id).await?))
}

/// Changes some of a ticket's fields. Each change is checked against the access policy, the
/// status table and the triage rules, and recorded in the history.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets", request_body = UpdateTicket,
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed ticket", body = Ticket),
        WriteRefusals,
    ))]
pub async fn update_ticket(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<UpdateTicket>,
) -> ApiResult<Ticket> {
    let patch = TicketPatch {
        status: body.status,
        resolution: body.resolution,
        priority: body.priority,
        priority_reason: body.priority_reason,
        unit: body.unit,
        owner: body.owner,
        privacy: body.privacy,
        remind_at: match body.remind_at.as_deref() {
            None => None,
            Some(text) => Some(
                time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
                    .map_err(|_| helpdesk_app::AppError::invalid("remind_at", "must be a date such as 2026-12-24"))?,
            ),
        },
        title: body.title,
        description: body.description,
        link_url: body.link_url,
        copy_to: body.copy_to,
        duplicate_of: body.duplicate_of.map(TicketId),
        category: body.category,
        fields: body.fields,
    };
    Ok(Json(state.app.update_ticket(&actor, id, patch).await?))
}

/// Changes many tickets at once (the queue's bulk changes): each ticket is checked by the policy
/// and the transition table as if it were changed alone; what is refused is listed with why, the
/// rest is done. More than 500 tickets is refused whole (422), and changes nothing.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", request_body = BulkUpdate,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was done and what was refused", body = BulkOutcome),
        WriteRefusals,
    ))]
pub async fn bulk_update(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<BulkUpdate>,
) -> ApiResult<BulkOutcome> {
    let patch = TicketPatch {
        status: body.status,
        resolution: body.resolution,
        priority: body.priority,
        priority_reason: body.priority_reason,
        unit: body.unit,
        owner: body.owner,
        ..TicketPatch::default()
    };
    let tickets: Vec<TicketId> = body.tickets.into_iter().map(TicketId).collect();
    Ok(Json(state.app.bulk_update(&actor, &tickets, patch).await?))
}

/// Adds a public reply or an internal note. Files come with it as a multipart form (the JSON in
/// `body`, files in `attachments`), for those who may attach files.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/articles", tag = "tickets",
    request_body(content((CreateArticle = "application/json"), (WithFiles = "multipart/form-data"))),
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new article", body = Article),
        WriteRefusals,
    ))]
pub async fn create_article(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJsonWithFiles { body, files }: ApiJsonWithFiles<CreateArticle>,
) -> Result<impl IntoResponse, Problem> {
    let article = state.app.add_article_with(&actor, id, body.body, body.internal, Channel::Api, files).await?;
    Ok(created(format!("/api/v1/tickets/{id}/articles"), article))
}

/// A ticket's conversation, oldest first; internal notes only for those who may read them.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles", body = Page<Article>),
        ReadRefusals,
    ))]
pub async fn list_articles(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<Article>> {
    Ok(Json(state.app.articles(&actor, id, page.request()?).await?))
}

/// Every change ever made to a ticket: who, when, which field, old and new value.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/history", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number"), PageParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of history entries, oldest first", body = Page<HistoryEntry>),
        ReadRefusals,
    ))]
pub async fn ticket_history(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<HistoryEntry>> {
    Ok(Json(state.app.history(&actor, id, page.request()?).await?))
}

/// Why a requester escalates a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateTicket {
    /// Why (goes into the history and to the people told), at most 2,000 characters, not blank.
    #[schema(min_length = 1, max_length = 2000, pattern = r"^[\s\S]*[^\s\u0085][\s\S]*$")]
    pub reason: String,
}

/// Escalates a ticket one step (GGUS's escalation button), for its requester's side, once its
/// first-response time has passed unanswered: step 1 tells its unit and owner, step 2 also the
/// 1st-level units, step 3 also the monitoring address. Refused with 409 before that, after an
/// answer, or beyond step 3.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/escalate", tag = "tickets", request_body = EscalateTicket,
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The escalated ticket", body = Ticket),
        WriteRefusals,
    ))]
pub async fn escalate_ticket(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<EscalateTicket>,
) -> ApiResult<Ticket> {
    Ok(Json(state.app.escalate(&actor, id, &body.reason).await?))
}

/// Raises a team ticket to an alarm (GGUS's TEAM → ALARM), for the team's alarmers and the
/// ticket's supporters with the alarm right: top priority, mailed at once to the unit's alarm
/// address. Refused with 409 for any other kind, or a finished ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/alarm", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The alarm ticket", body = Ticket),
        WriteRefusals,
    ))]
pub async fn raise_alarm(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<Ticket> {
    Ok(Json(state.app.raise_alarm(&actor, id).await?))
}

/// A ticket's service-level clocks in full: every run (a new first-response clock for each unit
/// the ticket reached, a new resolution clock for each reopen) with the spans it ran, its
/// working time used and its moments; for reports of response, solution and waiting time.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/sla", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ticket's clocks", body = SlaDetail),
        ReadRefusals,
    ))]
pub async fn ticket_sla(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<SlaDetail> {
    Ok(Json(state.app.sla_detail(&actor, id).await?))
}
