//! Following a ticket: `GET`, `PUT` and `DELETE /api/v1/tickets/{id}/subscription`; how its
//! requester hears of it: `GET`, `PUT /api/v1/tickets/{id}/requester-mode`; who is involved in
//! it: `GET`, `POST /api/v1/tickets/{id}/involved`, `DELETE .../involved/{account}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_domain::AccountId;
use helpdesk_domain::TicketId;
use helpdesk_domain::account::{InvolvedPerson, RequesterMode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, ReadRefusals, RestrictedReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::Problem;

/// Whether the caller follows a ticket: a follower gets its public replies and its solution by
/// mail, as long as they may read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    /// The ticket.
    pub ticket: i64,
    /// Whether the caller follows it.
    pub following: bool,
}

/// Whether the caller follows the ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/subscription", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "Whether the caller follows it", body = Subscription), ReadRefusals))]
pub async fn get_subscription(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<Subscription> {
    let following = state.app.follows(&actor, id).await?;
    Ok(Json(Subscription { ticket: id.get(), following }))
}

/// Follows the ticket (anyone signed in who may read it); following it again changes nothing.
#[utoipa::path(put, path = "/api/v1/tickets/{id}/subscription", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "The caller follows it", body = Subscription), WriteRefusals))]
pub async fn follow(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<Subscription> {
    state.app.follow(&actor, id).await?;
    Ok(Json(Subscription { ticket: id.get(), following: true }))
}

/// Stops following the ticket. The answer is the same whether the caller followed it (and
/// whether it exists).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/subscription", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "The caller no longer follows it", body = Subscription), WriteRefusals))]
pub async fn unfollow(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TicketId>) -> ApiResult<Subscription> {
    state.app.unfollow(&actor, id).await?;
    Ok(Json(Subscription { ticket: id.get(), following: false }))
}

/// How a ticket's requester hears of it by mail (GGUS's submitter mode).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterModeBody {
    /// `every_change` (every public reply and change of status) or `solution_only` (the
    /// solution; the receipt and the reminders of a ticket waiting for them come either way).
    pub mode: RequesterMode,
}

/// How the ticket's requester hears of it: as they chose for it, or else as their profile says
/// (the notification kind `every_change`; without it, the solution only).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/requester-mode", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "The mode", body = RequesterModeBody), ReadRefusals))]
pub async fn get_requester_mode(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<RequesterModeBody> {
    Ok(Json(RequesterModeBody { mode: state.app.requester_mode(&actor, id).await? }))
}

/// Chooses how the ticket's requester hears of it (the requester alone: the submitter, or the
/// person it was opened for; others 403).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/requester-mode", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), request_body = RequesterModeBody,
    security(("bearer" = [])),
    responses((status = 200, description = "The mode from now on", body = RequesterModeBody), WriteRefusals))]
pub async fn set_requester_mode(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<RequesterModeBody>,
) -> ApiResult<RequesterModeBody> {
    state.app.set_requester_mode(&actor, id, body.mode).await?;
    Ok(Json(body))
}

/// Someone to involve in a ticket.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Involve {
    /// Their account's number or address.
    #[schema(min_length = 1, max_length = 254)]
    pub person: String,
}

/// The people the ticket's supporters involved in it (for those who read its internal notes).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/involved", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), security(("bearer" = [])),
    responses((status = 200, description = "The people involved", body = Vec<InvolvedPerson>), RestrictedReadRefusals))]
pub async fn list_involved(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
) -> ApiResult<Vec<InvolvedPerson>> {
    Ok(Json(state.app.involved(&actor, id).await?))
}

/// Involves someone in the ticket (its supporters and staff): they get what its unit gets by
/// mail, internal notes included, so they must be someone the policy lets read those (else 422,
/// saying why, and nothing is written). Involving them again changes nothing.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/involved", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")), request_body = Involve,
    security(("bearer" = [])),
    responses((status = 201, description = "The person involved", body = InvolvedPerson), WriteRefusals))]
pub async fn involve(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TicketId>,
    ApiJson(body): ApiJson<Involve>,
) -> Result<impl IntoResponse, Problem> {
    let person = state.app.involve(&actor, id, &body.person).await?;
    Ok(created(format!("/api/v1/tickets/{id}/involved"), person))
}

/// No longer involves someone in the ticket (its supporters and staff).
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/involved/{account}", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number"), ("account" = i64, Path, description = "The account")),
    security(("bearer" = [])),
    responses((status = 204, description = "They are no longer involved"), WriteRefusals))]
pub async fn uninvolve(
    Caller { state, actor }: Caller,
    ApiPath((id, account)): ApiPath<(TicketId, AccountId)>,
) -> Result<StatusCode, Problem> {
    state.app.uninvolve(&actor, id, account).await?;
    Ok(StatusCode::NO_CONTENT)
}
