//! External-mode units: their connectors (admins), the sync state of their tickets (staff and
//! the 1st level), and the signed webhooks through which another Helpdesk or a generic system
//! sends its changes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use helpdesk_app::sync::signature::HEADER;
use helpdesk_app::sync::{ConnectionCheck, ConnectorInput, EventReply, PullPage, PullRequest, Receipt, SyncEvent};
use helpdesk_domain::connector::{Connector, ExternalLink};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::{TicketId, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, ReadRefusals, RestrictedReadRefusals, WriteRefusals};
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};

/// A unit's connector, without its credentials (admins).
#[utoipa::path(get, path = "/api/v1/units/{id}/connector", tag = "sync", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The connector", body = Connector), RestrictedReadRefusals))]
pub async fn get_connector(Caller { state, actor }: Caller, ApiPath(unit): ApiPath<UnitId>) -> ApiResult<Connector> {
    let found = state.app.connector(&actor, unit).await?;
    found.map(Json).ok_or_else(|| helpdesk_app::AppError::NotFound(format!("unit {unit} has no connector")).into())
}

/// Sets up or changes the connector of an external-mode unit (admins). Credentials left out
/// are kept; none is ever shown back. Tickets waiting on the unit are tried again at once.
#[utoipa::path(put, path = "/api/v1/units/{id}/connector", tag = "sync", params(("id" = i64, Path)),
    request_body = ConnectorInput, security(("bearer" = [])),
    responses((status = 200, description = "The connector as stored", body = Connector), WriteRefusals))]
pub async fn put_connector(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
    ApiJson(input): ApiJson<ConnectorInput>,
) -> ApiResult<Connector> {
    Ok(Json(state.app.put_connector(&actor, unit, input).await?))
}

/// Tries the connector: reaches the other side, signs in and finds the queue; says plainly what
/// is wrong (admins).
#[utoipa::path(post, path = "/api/v1/units/{id}/connector/test", tag = "sync", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "What the test found", body = ConnectionCheck), WriteRefusals))]
pub async fn test_connector(
    Caller { state, actor }: Caller,
    ApiPath(unit): ApiPath<UnitId>,
) -> ApiResult<ConnectionCheck> {
    Ok(Json(state.app.test_connector(&actor, unit).await?))
}

/// Which links to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListLinks {
    /// Only this unit's tickets.
    pub unit: Option<UnitId>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The sync state of external tickets: failing first, then pending (oldest first), then in
/// step (staff and members of 1st-level units).
#[utoipa::path(get, path = "/api/v1/sync", tag = "sync", params(ListLinks), security(("bearer" = [])),
    responses((status = 200, description = "The links", body = Page<ExternalLink>), RestrictedReadRefusals))]
pub async fn list_links(
    Caller { state, actor }: Caller,
    ApiQuery(query): ApiQuery<ListLinks>,
) -> ApiResult<Page<ExternalLink>> {
    let page = PageRequest::new(query.page, query.per_page).map_err(helpdesk_app::AppError::Invalid)?;
    Ok(Json(state.app.sync_states(&actor, query.unit, page).await?))
}

/// What to try again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Every ticket of this unit that is not in step.
    #[serde(default)]
    pub unit: Option<UnitId>,
    /// This ticket.
    #[serde(default)]
    pub ticket: Option<TicketId>,
}

/// How many tickets were made due.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Retried {
    /// Tickets that will be tried again at once.
    pub due: u64,
}

/// Tries again at once the tickets that are not in step (all, one unit's, or one ticket).
#[utoipa::path(post, path = "/api/v1/sync/retry", tag = "sync", request_body = Retry, security(("bearer" = [])),
    responses((status = 200, description = "Made due", body = Retried), WriteRefusals))]
pub async fn retry(Caller { state, actor }: Caller, ApiJson(body): ApiJson<Retry>) -> ApiResult<Retried> {
    Ok(Json(Retried { due: state.app.retry_sync(&actor, body.unit, body.ticket).await? }))
}

/// A ticket's copy in another ticketing system, with the state of their sync (for those who
/// work the ticket).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/external", tag = "sync", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The link", body = ExternalLink), ReadRefusals))]
pub async fn ticket_link(
    Caller { state, actor }: Caller,
    ApiPath(ticket): ApiPath<TicketId>,
) -> ApiResult<ExternalLink> {
    let found = state.app.external_link(&actor, ticket).await?;
    found
        .map(Json)
        .ok_or_else(|| helpdesk_app::AppError::NotFound(format!("ticket #{ticket} is in no other system")).into())
}

fn signature(headers: &HeaderMap) -> &str {
    headers.get(HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Receives changes from the system an external-mode unit works in (another Helpdesk, or any
/// system speaking this protocol): one event or a list, signed with the connector's key in the
/// `helpdesk-signature` header (`t=<unix time>,n=<nonce>,v1=<hex HMAC-SHA-256 of "t.n.body">`).
/// A request older than 5 minutes, or seen before, is refused. Each event is applied once,
/// however often it is sent; the answer says what each made.
#[utoipa::path(post, path = "/api/v1/sync/{unit}/events", tag = "sync", params(("unit" = i64, Path)),
    request_body = Vec<SyncEvent>,
    responses((status = 200, description = "What each event made", body = Vec<EventReply>), WriteRefusals))]
pub async fn receive_events(
    State(state): State<AppState>,
    ApiPath(unit): ApiPath<UnitId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Vec<EventReply>> {
    Ok(Json(state.app.receive_events(unit, signature(&headers), &body).await?))
}

/// Asks this Helpdesk to send at once what it holds back for the caller (signed like events):
/// the other side calls it when it comes back after an outage.
#[utoipa::path(post, path = "/api/v1/sync/{unit}/resume", tag = "sync", params(("unit" = i64, Path)),
    responses((status = 200, description = "Made due", body = Retried), WriteRefusals))]
pub async fn receive_resume(
    State(state): State<AppState>,
    ApiPath(unit): ApiPath<UnitId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Retried> {
    Ok(Json(Retried { due: state.app.receive_resume(unit, signature(&headers), &body).await? }))
}

/// Answers the other Helpdesk's pull (signed like events, the body a [`PullRequest`]): one page
/// of the changes this side could not push to it, failing or waiting longer than 10 seconds.
/// It is the fallback after an outage; applying a change twice changes nothing.
#[utoipa::path(post, path = "/api/v1/sync/{unit}/pull", tag = "sync", params(("unit" = i64, Path)),
    request_body = PullRequest,
    responses((status = 200, description = "One page of the changes held back", body = PullPage), WriteRefusals))]
pub async fn receive_pull(
    State(state): State<AppState>,
    ApiPath(unit): ApiPath<UnitId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<PullPage> {
    Ok(Json(state.app.receive_pull(unit, signature(&headers), &body).await?))
}

/// Takes the other Helpdesk's receipts of the changes it pulled (signed like events): each is
/// recorded as delivered, as the answer to a push would be, so that what was pulled is not
/// served again and the ticket turns in step.
#[utoipa::path(post, path = "/api/v1/sync/{unit}/received", tag = "sync", params(("unit" = i64, Path)),
    request_body = Vec<Receipt>,
    responses((status = 200, description = "How many were recorded", body = Recorded), WriteRefusals))]
pub async fn receive_receipts(
    State(state): State<AppState>,
    ApiPath(unit): ApiPath<UnitId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Recorded> {
    Ok(Json(Recorded { recorded: state.app.receive_receipts(unit, signature(&headers), &body).await? }))
}

/// How many receipts were recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Recorded {
    /// The number.
    pub recorded: usize,
}
