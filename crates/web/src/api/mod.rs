//! The JSON API v1 and its OpenAPI document, generated from the handlers.

mod catalog;
mod tickets;

use axum::Json;
use axum::extract::State;
use helpdesk_app::AppError;
use helpdesk_domain::account::Account;
use helpdesk_domain::paging::PageRequest;
use serde::Deserialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::extract::ApiActor;
use crate::problem::Problem;

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
    components(schemas(Problem, helpdesk_domain::validation::FieldError, tickets::TicketState)),
    tags((name = "tickets", description = "Tickets, their conversation and history"),
         (name = "catalog", description = "Support units and categories"),
         (name = "accounts", description = "Who is calling")),
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

/// The account the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The caller's account", body = Account), ReadRefusals))]
async fn me(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Account>, Problem> {
    Ok(Json(state.app.me(&actor).await?))
}

/// The API's routes, with the OpenAPI document they describe.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tickets::create_ticket, tickets::list_tickets))
        .routes(routes!(tickets::get_ticket, tickets::update_ticket))
        .routes(routes!(tickets::create_article, tickets::list_articles))
        .routes(routes!(tickets::ticket_history))
        .routes(routes!(catalog::list_units, catalog::create_unit))
        .routes(routes!(catalog::get_unit, catalog::update_unit))
        .routes(routes!(catalog::list_categories, catalog::create_category))
        .routes(routes!(catalog::get_category, catalog::update_category))
        .routes(routes!(me))
}
