//! Extractors whose refusals are problems, and the bearer-token actor.

use axum::extract::{FromRequest, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use helpdesk_app::AppError;
use helpdesk_domain::policy::Actor;

use crate::AppState;
use crate::problem::Problem;

/// A JSON body; refusals are problems.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Problem))]
pub struct ApiJson<T>(pub T);

/// A query string; refusals are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Problem))]
pub struct ApiQuery<T>(pub T);

/// Path parameters; refusals are problems.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Problem))]
pub struct ApiPath<T>(pub T);

/// Who calls, from `Authorization: Bearer TOKEN`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            Problem::from(AppError::Unauthenticated("send an API token as 'Authorization: Bearer TOKEN'".into()))
        })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| {
                Problem::from(AppError::Unauthenticated("the Authorization header must be 'Bearer TOKEN'".into()))
            })?;
        Ok(ApiActor(state.app.authenticate_token(token).await?))
    }
}
