//! Following a ticket: `GET`, `PUT` and `DELETE /api/v1/tickets/{id}/subscription`.

use axum::Json;
use helpdesk_domain::TicketId;
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiResult, ReadRefusals, WriteRefusals};
use crate::extract::{ApiPath, Caller};

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
