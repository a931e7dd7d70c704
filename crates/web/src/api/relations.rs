//! Relations between tickets: `GET`/`POST /api/v1/tickets/{id}/relations` and
//! `DELETE /api/v1/tickets/{id}/relations/{relation}`; parts opened from a ticket: `POST
//! /api/v1/tickets/{id}/children`; related links: `POST
//! /api/v1/tickets/{id}/links` and `DELETE /api/v1/tickets/{id}/links/{link}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_domain::relation::{RelatedTicket, RelationKind, Relations, TicketLink};
use helpdesk_domain::ticket::Ticket;
use helpdesk_domain::{TicketId, UnitId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::Problem;

/// A relation to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRelation {
    /// What ties the tickets: `reference` (they bear on each other, either way round).
    pub kind: RelationKind,
    /// The other ticket's number (a ticket the caller may read).
    pub ticket: i64,
    /// Why they are tied.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\x00-\x09\x0B-\x1F\x7F-\x9F]*$")]
    pub note: Option<String>,
}

/// The ticket's relations: those to tickets the caller may read, and how many others there are
/// (nothing else of those is shown).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/relations", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "The relations", body = Relations), ReadRefusals))]
pub async fn list_relations(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<Relations> {
    Ok(Json(state.app.relations(&actor, id).await?))
}

/// Ties the ticket to another (supporters of its unit and staff). The same pair of the same
/// kind twice is a conflict; a ticket has at most 100 relations.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/relations", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), request_body = CreateRelation,
    security(("bearer" = [])),
    responses((status = 201, description = "The relation, as seen from this ticket", body = RelatedTicket), WriteRefusals))]
pub async fn create_relation(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<CreateRelation>,
) -> Result<impl IntoResponse, Problem> {
    let note = body.note.unwrap_or_default();
    let relation = state.app.relate(&actor, id, body.kind, TicketId(body.ticket), &note).await?;
    Ok(created(format!("/api/v1/tickets/{id}/relations"), relation))
}

/// Removes one of the ticket's relations (who may relate the ticket).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/relations/{relation}", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number"), ("relation" = i64, Path, description = "The relation's id")),
    security(("bearer" = [])),
    responses((status = 204, description = "The relation is gone"), WriteRefusals))]
pub async fn delete_relation(
    Caller { state, actor }: Caller,
    ApiPath((id, relation)): ApiPath<(TicketId, i64)>,
) -> Result<StatusCode, Problem> {
    state.app.unrelate(&actor, id, relation).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A part of a request to open for another unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChild {
    /// One line, at most 200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub title: String,
    /// What this unit is asked to do (Markdown), at most 256 KiB.
    #[schema(min_length = 1)]
    pub description: String,
    /// The unit it goes to.
    pub unit: UnitId,
}

/// Opens a part of the ticket's request for another unit (GGUS's child ticket): supporters who
/// may relate the ticket. The child has the parent's requester, category, fields, privacy and
/// priority; the parent waits `on_hold` until every part is solved, and gets each part's
/// solution in its conversation. A parent that is solved, closed or itself a part is 409.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/children", tag = "tickets",
    params(("id" = i64, Path, description = "The parent ticket's number")), request_body = CreateChild,
    security(("bearer" = [])),
    responses((status = 201, description = "The new child ticket", body = Ticket), WriteRefusals))]
pub async fn create_child(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<CreateChild>,
) -> Result<impl IntoResponse, Problem> {
    let child = state.app.open_child(&actor, id, &body.title, &body.description, body.unit).await?;
    Ok(created(format!("/api/v1/tickets/{}", child.id), child))
}

/// A web page to relate to a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    /// Its address (http or https).
    #[schema(max_length = 2000)]
    pub url: String,
}

/// Adds a web page that bears on the ticket (a bug tracker's issue...): whoever may edit the
/// ticket; at most 5 a ticket, each once (409).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/links", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), request_body = CreateLink,
    security(("bearer" = [])),
    responses((status = 201, description = "The link, with its host", body = TicketLink), WriteRefusals))]
pub async fn create_link(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<CreateLink>,
) -> Result<impl IntoResponse, Problem> {
    let link = state.app.add_link(&actor, id, &body.url).await?;
    Ok(created(format!("/api/v1/tickets/{id}/relations"), link))
}

/// Removes one of the ticket's related links (whoever may edit the ticket).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/links/{link}", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number"), ("link" = i64, Path, description = "The link's id")),
    security(("bearer" = [])),
    responses((status = 204, description = "The link is gone"), WriteRefusals))]
pub async fn delete_link(
    Caller { state, actor }: Caller,
    ApiPath((id, link)): ApiPath<(TicketId, i64)>,
) -> Result<StatusCode, Problem> {
    state.app.remove_link(&actor, id, link).await?;
    Ok(StatusCode::NO_CONTENT)
}
