//! A Zammad-compatible face of Helpdesk, under `/zammad/api/v1/`: the part of Zammad's REST API
//! that its clients use (tickets, ticket articles, users, organizations, groups, ticket states
//! and priorities, search; token auth), mapped onto Helpdesk's model, so that the EOSC
//! helpdesk's adopted standard and clients such as `zammad-py` work against Helpdesk unchanged.
//!
//! Zammad's groups are Helpdesk's units, its states and priorities Helpdesk's (Zammad's usual
//! names are taken as aliases), a ticket's number is its Helpdesk number. Helpdesk never deletes
//! tickets, users or groups; those calls are refused with Zammad's error shape.

mod attachments;
mod directory;
mod input;
mod tickets;

use axum::Json;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use helpdesk_app::AppError;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::Actor;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;

/// The body limit of a request with files: five of the largest, in base64, and the text.
fn with_files() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(helpdesk_app::inbound::MAX_RAW_BYTES)
}

/// The face's routes, under `/zammad/api/v1`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        // A ticket's first article and an article carry their files, base64-encoded.
        .route("/zammad/api/v1/tickets", get(tickets::index).post(tickets::create).layer(with_files()))
        .route("/zammad/api/v1/tickets/search", get(tickets::search))
        .route("/zammad/api/v1/tickets/{id}", get(tickets::show).put(tickets::update).delete(refuse_delete))
        .route("/zammad/api/v1/ticket_articles", axum::routing::post(tickets::add_article).layer(with_files()))
        .route("/zammad/api/v1/ticket_articles/by_ticket/{id}", get(tickets::articles))
        .route("/zammad/api/v1/ticket_articles/{id}", get(tickets::article))
        .route("/zammad/api/v1/ticket_attachment/{ticket}/{article}/{id}", get(attachments::download))
        .route("/zammad/api/v1/ticket_states", get(tickets::states))
        .route("/zammad/api/v1/ticket_states/{id}", get(tickets::state))
        .route("/zammad/api/v1/ticket_priorities", get(tickets::priorities))
        .route("/zammad/api/v1/ticket_priorities/{id}", get(tickets::priority))
        .route("/zammad/api/v1/users", get(directory::users).post(directory::create_user))
        .route("/zammad/api/v1/users/me", get(directory::me))
        .route("/zammad/api/v1/users/search", get(directory::search_users))
        .route("/zammad/api/v1/users/{id}", get(directory::user).delete(refuse_delete))
        .route("/zammad/api/v1/organizations", get(directory::organizations).post(directory::create_organization))
        .route("/zammad/api/v1/organizations/search", get(directory::search_organizations))
        .route("/zammad/api/v1/organizations/{id}", get(directory::organization).delete(refuse_delete))
        .route("/zammad/api/v1/groups", get(directory::groups))
        .route("/zammad/api/v1/groups/{id}", get(directory::group).delete(refuse_delete))
}

/// An error in Zammad's shape: `{"error": …, "error_human": …}`.
pub(crate) struct ZammadError(StatusCode, String);

impl IntoResponse for ZammadError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1, "error_human": self.1}))).into_response()
    }
}

impl From<AppError> for ZammadError {
    fn from(e: AppError) -> ZammadError {
        let status = match &e {
            AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Store(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "Zammad API request failed");
                return ZammadError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request failed; nothing was changed".into(),
                );
            }
        };
        ZammadError(status, e.to_string())
    }
}

/// A refusal of input, in Zammad's shape.
pub(crate) fn unprocessable(message: impl Into<String>) -> ZammadError {
    ZammadError(StatusCode::UNPROCESSABLE_ENTITY, message.into())
}

/// What every handler of the face returns.
pub(crate) type ZResult = Result<Response, ZammadError>;

async fn refuse_delete() -> ZammadError {
    ZammadError(
        StatusCode::FORBIDDEN,
        "Helpdesk keeps every ticket, user and group with its history; nothing is deleted".into(),
    )
}

/// Who calls, from Zammad's `Authorization: Token token=…` (or `Bearer …`), with a Helpdesk
/// API token.
pub(crate) struct ZammadActor(pub Actor);

impl FromRequestParts<AppState> for ZammadActor {
    type Rejection = ZammadError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let token = value
            .strip_prefix("Token token=")
            .or_else(|| value.strip_prefix("Token "))
            .or_else(|| value.strip_prefix("Bearer "))
            .map(|t| t.trim().trim_matches('"'))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ZammadError(
                    StatusCode::UNAUTHORIZED,
                    "authenticate with a Helpdesk API token: 'Authorization: Token token=TOKEN'".into(),
                )
            })?;
        Ok(ZammadActor(state.app.authenticate_token(token).await?))
    }
}

/// Zammad's paging and search parameters, as text: each is read where it is used, so that one
/// that cannot be is refused by name.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    per_page: Option<String>,
    /// Zammad's other name for `per_page`.
    #[serde(default)]
    limit: Option<String>,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    sort_by: Option<String>,
    #[serde(default)]
    order_by: Option<String>,
    /// Zammad's clients ask for names beside ids; Helpdesk always gives both.
    #[serde(default)]
    #[allow(dead_code)]
    expand: Option<String>,
}

impl Paging {
    /// The page asked for, 50 to a page unless asked otherwise.
    pub(crate) fn page(&self) -> Result<PageRequest, ZammadError> {
        self.page_of(50)
    }

    /// The page asked for, `default` to a page unless asked otherwise; Zammad's clients ask for
    /// up to 500, Helpdesk gives at most 100.
    pub(crate) fn page_of(&self, default: i64) -> Result<PageRequest, ZammadError> {
        let number = |name: &str, value: Option<&String>, default: i64| match value.map(|v| v.trim()) {
            None | Some("") => Ok(default),
            Some(v) => {
                v.parse::<i64>().map_err(|_| unprocessable(format!("{name}: must be a whole number, not '{v}'")))
            }
        };
        let per_page = match &self.per_page {
            Some(_) => number("per_page", self.per_page.as_ref(), default)?,
            None => number("limit", self.limit.as_ref(), default)?,
        };
        Ok(PageRequest {
            page: number("page", self.page.as_ref(), 1)?.clamp(1, 1_000_000),
            per_page: per_page.clamp(1, 100),
        })
    }
}

/// A list, as Zammad returns it: a bare array.
pub(crate) fn list(items: Vec<serde_json::Value>) -> ZResult {
    Ok(Json(serde_json::Value::Array(items)).into_response())
}

/// One object.
pub(crate) fn one(item: serde_json::Value) -> ZResult {
    Ok(Json(item).into_response())
}

/// A new object, as Zammad answers its creation.
pub(crate) fn made(item: serde_json::Value) -> ZResult {
    Ok((StatusCode::CREATED, Json(item)).into_response())
}

/// The id of a ticket's description as the face shows it, an article of its own: Zammad's first
/// article, which Helpdesk keeps on the ticket. Articles' own ids are positive, so the
/// description of ticket N is article -N, unique, and it sorts first.
pub(crate) fn description_id(ticket: helpdesk_domain::TicketId) -> helpdesk_domain::ArticleId {
    helpdesk_domain::ArticleId(-ticket.get())
}
