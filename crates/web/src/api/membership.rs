//! `/api/v1/units/{id}/members` and `/api/v1/units/{id}/join-requests`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_domain::organisation::{JoinRequest, JoinState, UnitMember};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::{AccountId, UnitId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A member to add, or a member's new standing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetMember {
    /// The account.
    pub account: AccountId,
    /// Whether they manage the unit.
    #[serde(default)]
    pub manager: bool,
}

/// A request to join a unit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskToJoin {
    /// Why, for the unit's managers.
    #[serde(default)]
    pub message: String,
}

/// Which join requests to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListJoinRequests {
    /// Only requests in this state.
    pub state: Option<JoinState>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// A unit's members, managers first (for its members, managers and staff).
#[utoipa::path(get, path = "/api/v1/units/{id}/members", tag = "units", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The members", body = Vec<UnitMember>), ReadRefusals,
        (status = 403, description = "Not a member of the unit", body = Problem, content_type = "application/problem+json")))]
pub async fn list_members(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
) -> ApiResult<Vec<UnitMember>> {
    Ok(Json(state.app.unit_members(&actor, unit).await?))
}

/// Adds a member or manager, or changes whether a member manages (the unit's managers, staff).
#[utoipa::path(post, path = "/api/v1/units/{id}/members", tag = "units", params(("id" = i64, Path)),
    request_body = SetMember, security(("bearer" = [])),
    responses((status = 200, description = "The members", body = Vec<UnitMember>), WriteRefusals))]
pub async fn set_member(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
    ApiJson(body): ApiJson<SetMember>,
) -> ApiResult<Vec<UnitMember>> {
    Ok(Json(state.app.set_unit_member(&actor, unit, body.account, body.manager).await?))
}

/// Removes a member: they lose access to the unit's private tickets at once.
#[utoipa::path(delete, path = "/api/v1/units/{id}/members/{account}", tag = "units",
    params(("id" = i64, Path), ("account" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), WriteRefusals))]
pub async fn remove_member(
    Caller { state, actor }: Caller,
    ApiPath((unit, account)): ApiPath<(UnitId, AccountId)>,
) -> Result<StatusCode, Problem> {
    state.app.remove_unit_member(&actor, unit, account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks to join the unit; its managers decide.
#[utoipa::path(post, path = "/api/v1/units/{id}/join-requests", tag = "units", params(("id" = i64, Path)),
    request_body = AskToJoin, security(("bearer" = [])),
    responses((status = 201, description = "The request", body = JoinRequest), WriteRefusals))]
pub async fn ask_to_join(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
    ApiJson(body): ApiJson<AskToJoin>,
) -> Result<impl IntoResponse, Problem> {
    let request = state.app.request_to_join(&actor, unit, body.message).await?;
    Ok(created(format!("/api/v1/units/{unit}/join-requests/{}", request.id), request))
}

/// The unit's join requests, oldest first (the unit's managers, staff).
#[utoipa::path(get, path = "/api/v1/units/{id}/join-requests", tag = "units", params(("id" = i64, Path), ListJoinRequests),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of requests", body = Page<JoinRequest>), ReadRefusals,
        (status = 403, description = "Not a manager of the unit", body = Problem, content_type = "application/problem+json")))]
pub async fn list_join_requests(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
    ApiQuery(query): ApiQuery<ListJoinRequests>,
) -> ApiResult<Page<JoinRequest>> {
    let page = PageRequest::new(query.page, query.per_page).map_err(helpdesk_app::AppError::Invalid)?;
    Ok(Json(state.app.join_requests(&actor, unit, query.state, page).await?))
}

/// Approves a join request: the person becomes a member.
#[utoipa::path(post, path = "/api/v1/units/{id}/join-requests/{request}/approve", tag = "units",
    params(("id" = i64, Path), ("request" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The decided request", body = JoinRequest), WriteRefusals))]
pub async fn approve(
    Caller { state, actor }: Caller,
    ApiPath((unit, id)): ApiPath<(UnitId, i64)>,
) -> ApiResult<JoinRequest> {
    Ok(Json(state.app.decide_join_request(&actor, unit, id, true).await?))
}

/// Refuses a join request.
#[utoipa::path(post, path = "/api/v1/units/{id}/join-requests/{request}/refuse", tag = "units",
    params(("id" = i64, Path), ("request" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The decided request", body = JoinRequest), WriteRefusals))]
pub async fn refuse(
    Caller { state, actor }: Caller,
    ApiPath((unit, id)): ApiPath<(UnitId, i64)>,
) -> ApiResult<JoinRequest> {
    Ok(Json(state.app.decide_join_request(&actor, unit, id, false).await?))
}
