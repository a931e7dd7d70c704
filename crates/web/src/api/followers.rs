//! Following a ticket: `GET`, `PUT` and `DELETE /api/v1/tickets/{id}/subscription`; how its
//! requester hears of it: `GET`, `PUT /api/v1/tickets/{id}/requester-mode`.

use axum::Json;
use helpdesk_domain::TicketId;
use helpdesk_domain::account::RequesterMode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, ReadRefusals, WriteRefusals};
use crate::extract::{ApiJson, ApiPath, Caller};

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
