//! The JSON API v1 and its OpenAPI document, generated from the handlers.

mod accounts;
pub(crate) mod attachments;
pub(crate) mod auth;
mod calendars;
mod catalog;
mod followers;
mod mail;
mod membership;
mod organisations;
mod relations;
mod search;
mod service_levels;
mod sync;
mod teams;
mod tickets;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use helpdesk_app::AppError;
use helpdesk_domain::account::{ApiToken, Profile};
use helpdesk_domain::paging::PageRequest;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

// The pages serve downloads the same way.

use crate::AppState;
use crate::extract::Caller;
use crate::problem::Problem;

/// What an API handler answers: JSON, or a problem (RFC 9457).
pub type ApiResult<T> = Result<Json<T>, Problem>;

/// A 201 answer: the new resource as JSON, and where it lives from now on.
pub(crate) fn created<T: serde::Serialize>(location: String, body: T) -> impl IntoResponse {
    (StatusCode::CREATED, [(header::LOCATION, location)], Json(body))
}

/// The page of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// Bytes as they are: a file, or a raw message.
// Named a binary string, as OpenAPI does; a `Vec<u8>` would be described as a list of numbers.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only describes bodies; handlers take and give the bytes themselves.
pub struct Binary(Vec<u8>);

/// A raw message (RFC 5322), as received: bytes, at least one.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary, min_length = 1)]
#[allow(dead_code)] // Only describes the body; the handler takes the bytes itself.
pub struct RawMessage(Vec<u8>);

/// How a read can be refused.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only describes responses; the values are built as `Problem`s.
pub enum ReadRefusals {
    /// A query or path that cannot be read (an unknown filter, a number that is not one).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No valid token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// Nothing there, or nothing the caller may read.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// An invalid page.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// How a read that only some roles may make can be refused (admins' lists, the sync state).
#[derive(IntoResponses)]
#[allow(dead_code)] // Only describes responses; the values are built as `Problem`s.
pub enum RestrictedReadRefusals {
    /// A query or path that cannot be read (an unknown filter, a number that is not one).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No valid token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The caller's roles do not allow it.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Nothing there, or nothing the caller may read.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// An invalid page.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// How a change can be refused. Nothing is written in any of these cases.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only describes responses; the values are built as `Problem`s.
pub enum WriteRefusals {
    /// Malformed JSON, or a path that cannot be read.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No valid token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthenticated(Problem),
    /// The caller's roles do not allow it.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Nothing there, or nothing the caller may read.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// It clashes with the current state: a status move the table forbids (`allowed` lists the
    /// possible ones), a name already taken, a ticket that is final.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The body is over 1 MiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body is not sent as JSON.
    #[response(status = 415, content_type = "application/problem+json")]
    NotJson(Problem),
    /// Values that are not acceptable; `errors` names each field and why.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

impl PageParams {
    fn request(&self) -> Result<PageRequest, Problem> {
        PageRequest::new(self.page, self.per_page).map_err(|e| AppError::Invalid(e).into())
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Helpdesk API", version = "1", description = "Tickets, support units and categories. \
        Every request needs `Authorization: Bearer TOKEN` (make one with `helpdesk admin create-token`). \
        Errors are `application/problem+json`."),
    modifiers(&BearerAuth),
    components(schemas(
        Problem,
        helpdesk_domain::validation::FieldError,
        tickets::TicketState,
        tickets::ListOrder,
        helpdesk_domain::listing::Lateness
    )),
    tags((name = "tickets", description = "Tickets, their conversation and history"),
         (name = "catalog", description = "Support units, categories, working-hour calendars and service levels"),
         (name = "accounts", description = "Who is calling, and their tokens"),
         (name = "organisations", description = "Organisations, their domains, partners, contracts and members"),
         (name = "units", description = "Support units' members and join requests"),
         (name = "teams", description = "Teams (a virtual organisation's operators), their members and alarmers"),
         (name = "auth", description = "Registering, confirming an address, signing in and out, resetting a password"),
         (name = "mail", description = "Inbound mail handed in by a mail gateway, and what became of it"),
         (name = "sync", description = "External-mode units: connectors, sync state, and signed webhooks from other systems")),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("An API token")).build(),
            ),
        );
    }
}

/// The caller: their account with the roles in effect, their units and organisations.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Profile), ReadRefusals))]
async fn me(Caller { state, actor }: Caller) -> ApiResult<Profile> {
    Ok(Json(state.app.profile(&actor).await?))
}

/// A token to make.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What it is for.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
}

/// A new token: the secret is shown this once.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct NewToken {
    /// The token's id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// The token itself, for `Authorization: Bearer`; it cannot be shown again.
    pub token: String,
}

/// The caller's API tokens, newest first.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The tokens", body = Vec<ApiToken>), ReadRefusals))]
async fn my_tokens(Caller { state, actor }: Caller) -> ApiResult<Vec<ApiToken>> {
    Ok(Json(state.app.my_tokens(&actor).await?))
}

/// Makes a token for the caller; it acts with the caller's rights.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = CreateToken, security(("bearer" = [])),
    responses((status = 201, description = "The token, shown once", body = NewToken), WriteRefusals))]
async fn create_my_token(
    Caller { state, actor }: Caller,
    crate::extract::ApiJson(body): crate::extract::ApiJson<CreateToken>,
) -> Result<impl IntoResponse, Problem> {
    let issued = state.app.create_my_token(&actor, &body.name).await?;
    let location = format!("/api/v1/me/tokens/{}", issued.id);
    let body = NewToken { id: issued.id, name: body.name.trim().to_owned(), token: issued.secret };
    Ok(created(location, body))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 204, description = "Revoked"), WriteRefusals))]
async fn revoke_my_token(
    Caller { state, actor }: Caller,
    crate::extract::ApiPath(id): crate::extract::ApiPath<i64>,
) -> Result<StatusCode, Problem> {
    state.app.revoke_my_token(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The API's routes, with the OpenAPI document they describe.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tickets::get_ticket, tickets::update_ticket))
        .routes(routes!(tickets::bulk_update))
        .routes(routes!(tickets::ticket_history))
        .routes(routes!(tickets::ticket_sla))
        .routes(routes!(tickets::escalate_ticket))
        .routes(routes!(tickets::raise_alarm))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(teams::get_team, teams::update_team))
        .routes(routes!(teams::put_member, teams::remove_member))
        .routes(routes!(teams::sync_team))
        .routes(routes!(followers::get_subscription, followers::follow, followers::unfollow))
        .routes(routes!(followers::get_requester_mode, followers::set_requester_mode))
        .routes(routes!(followers::list_involved, followers::involve))
        .routes(routes!(followers::uninvolve))
        .routes(routes!(relations::list_relations, relations::create_relation))
        .routes(routes!(relations::delete_relation))
        .routes(routes!(relations::create_child))
        .routes(routes!(relations::create_link))
        .routes(routes!(relations::delete_link))
        .routes(routes!(search::search))
        .routes(routes!(attachments::list_attachments))
        .routes(routes!(attachments::get_attachment))
        .routes(routes!(catalog::list_units, catalog::create_unit))
        .routes(routes!(catalog::get_unit, catalog::update_unit))
        .routes(routes!(catalog::list_categories, catalog::create_category))
        .routes(routes!(catalog::get_category, catalog::update_category))
        .routes(routes!(calendars::list_calendars, calendars::create_calendar))
        .routes(routes!(calendars::get_calendar, calendars::update_calendar))
        .routes(routes!(calendars::calendar_due))
        .routes(routes!(service_levels::list_service_levels, service_levels::create_service_level))
        .routes(routes!(service_levels::get_service_level, service_levels::update_service_level))
        .routes(routes!(me, accounts::update_me))
        .routes(routes!(accounts::my_identities))
        .routes(routes!(accounts::my_notifications, accounts::set_my_notifications))
        .routes(routes!(accounts::list_accounts, accounts::create_account))
        .routes(routes!(accounts::set_roles))
        .routes(routes!(accounts::update_account))
        .routes(routes!(my_tokens, create_my_token))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::my_certificates, auth::link_certificate))
        .routes(routes!(auth::unlink_certificate))
        .routes(routes!(auth::register))
        .routes(routes!(auth::providers))
        .routes(routes!(auth::verify))
        .routes(routes!(auth::resend))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::request_reset))
        .routes(routes!(auth::confirm_reset))
        .routes(routes!(revoke_my_token))
        .routes(routes!(organisations::list_organisations, organisations::create_organisation))
        .routes(routes!(organisations::get_organisation, organisations::update_organisation))
        .routes(routes!(organisations::add_domain))
        .routes(routes!(organisations::remove_domain))
        .routes(routes!(organisations::add_partner))
        .routes(routes!(organisations::remove_partner))
        .routes(routes!(organisations::add_contract))
        .routes(routes!(organisations::update_contract))
        .routes(routes!(organisations::list_members, organisations::add_member))
        .routes(routes!(organisations::remove_member))
        .routes(routes!(membership::list_members, membership::set_member))
        .routes(routes!(membership::remove_member))
        .routes(routes!(membership::ask_to_join, membership::list_join_requests))
        .routes(routes!(membership::approve))
        .routes(routes!(membership::refuse))
        .routes(routes!(mail::list))
        .routes(routes!(mail::raw))
        .routes(routes!(mail::process))
        .routes(routes!(sync::get_connector, sync::put_connector))
        .routes(routes!(sync::test_connector))
        .routes(routes!(sync::list_links))
        .routes(routes!(sync::retry))
        .routes(routes!(sync::ticket_link))
        .routes(routes!(sync::receive_resume))
        .routes(routes!(sync::receive_pull))
        .routes(routes!(sync::receive_receipts))
        // A ticket or an article may come with files, as a multipart form.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(tickets::create_ticket, tickets::list_tickets))
                .routes(routes!(tickets::create_article, tickets::list_articles))
                .layer(axum::middleware::from_fn_with_state(crate::pages::MAX_UPLOAD_BODY, refuse_declared_over))
                .layer(axum::extract::DefaultBodyLimit::max(crate::pages::MAX_UPLOAD_BODY)),
        )
        // Events carry the files of a ticket or an article, base64-encoded.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(sync::receive_events))
                .layer(axum::middleware::from_fn_with_state(helpdesk_app::inbound::MAX_RAW_BYTES, refuse_declared_over))
                .layer(axum::extract::DefaultBodyLimit::max(helpdesk_app::inbound::MAX_RAW_BYTES)),
        )
        // A raw message may carry five attachments of the largest size, base64-encoded.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(mail::receive))
                .layer(axum::middleware::from_fn_with_state(helpdesk_app::inbound::MAX_RAW_BYTES, refuse_declared_over))
                .layer(axum::extract::DefaultBodyLimit::max(helpdesk_app::inbound::MAX_RAW_BYTES)),
        )
}

/// For routes that take large bodies (`from_fn_with_state(limit, ...)`): one declared longer
/// than `limit` is refused with 413 before a byte of it is read; otherwise it would be read up
/// to the limit first.
async fn refuse_declared_over(
    State(limit): State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if crate::extract::declared_over(request.headers(), limit) {
        let detail = format!("a request body here may hold at most {} MiB", limit >> 20);
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large", detail).into_response();
    }
    next.run(request).await
}
