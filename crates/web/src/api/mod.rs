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
use utoipa::{IntoParams, Modify, OpenApi};
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
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    pub per_page: Option<i64>,
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
    responses(
        (status = 200, description = "The caller's account", body = Account),
        (status = 401, description = "No valid token", body = Problem),
    ))]
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
