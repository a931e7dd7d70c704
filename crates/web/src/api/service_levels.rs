//! `/api/v1/service-levels`: each priority's response and resolution times in a calendar's
//! working time, and the lifecycle times; read by everyone signed in, written by admins.

use axum::Json;
use axum::response::IntoResponse;
use helpdesk_app::service_levels::{ServiceLevelInput, ServiceLevelPatch};
use helpdesk_domain::service_level::{ServiceLevel, TargetsText};
use helpdesk_domain::{CalendarId, ServiceLevelId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::Problem;

/// A new service level.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceLevel {
    /// Its name, unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// The calendar its times are counted in.
    pub calendar: CalendarId,
    /// Each priority's times: working minutes, hours or days (`30m`, `4h`, `5d`).
    pub targets: TargetsText,
    /// A ticket waiting for its submitter reminds them after this, and again after each period
    /// (`5d` when not given).
    pub waiting_reminder: Option<String>,
    /// After this many reminders and one more period, a waiting ticket becomes `unsolved` (2
    /// when not given).
    #[schema(maximum = 10)]
    pub auto_unsolved_after_reminders: Option<u8>,
    /// A solved or unsolved ticket nobody verified is closed after this (`10d` when not given).
    pub auto_close: Option<String>,
}

/// A change to some of a service level's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceLevel {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// New calendar.
    pub calendar: Option<CalendarId>,
    /// New times, for every priority.
    pub targets: Option<TargetsText>,
    /// New reminder period.
    pub waiting_reminder: Option<String>,
    /// New number of reminders.
    #[schema(maximum = 10)]
    pub auto_unsolved_after_reminders: Option<u8>,
    /// New time before closing.
    pub auto_close: Option<String>,
}

/// Lists the service levels, oldest first (GGUS's `Base`, `Medium` and `Advanced` exist from
/// the start).
#[utoipa::path(get, path = "/api/v1/service-levels", tag = "catalog", security(("bearer" = [])),
    responses(
        (status = 200, description = "The service levels", body = Vec<ServiceLevel>),
        ReadRefusals,
    ))]
pub async fn list_service_levels(Caller { state, actor }: Caller) -> ApiResult<Vec<ServiceLevel>> {
    Ok(Json(state.app.service_levels(&actor).await?))
}

/// Creates a service level (admins only).
#[utoipa::path(post, path = "/api/v1/service-levels", tag = "catalog", request_body = CreateServiceLevel,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new service level", body = ServiceLevel),
        WriteRefusals,
    ))]
pub async fn create_service_level(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateServiceLevel>,
) -> Result<impl IntoResponse, Problem> {
    let input = ServiceLevelInput {
        name: body.name,
        calendar: body.calendar,
        targets: body.targets,
        waiting_reminder: body.waiting_reminder,
        auto_unsolved_after_reminders: body.auto_unsolved_after_reminders,
        auto_close: body.auto_close,
    };
    let level = state.app.create_service_level(&actor, input).await?;
    Ok(created(format!("/api/v1/service-levels/{}", level.id), level))
}

/// One service level.
#[utoipa::path(get, path = "/api/v1/service-levels/{id}", tag = "catalog", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The service level", body = ServiceLevel),
        ReadRefusals,
    ))]
pub async fn get_service_level(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<ServiceLevelId>,
) -> ApiResult<ServiceLevel> {
    Ok(Json(state.app.service_level(&actor, id).await?))
}

/// Changes some of a service level's fields (admins only).
#[utoipa::path(patch, path = "/api/v1/service-levels/{id}", tag = "catalog", params(("id" = i64, Path)),
    request_body = UpdateServiceLevel, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed service level", body = ServiceLevel),
        WriteRefusals,
    ))]
pub async fn update_service_level(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<ServiceLevelId>,
    ApiJson(body): ApiJson<UpdateServiceLevel>,
) -> ApiResult<ServiceLevel> {
    let patch = ServiceLevelPatch {
        name: body.name,
        calendar: body.calendar,
        targets: body.targets,
        waiting_reminder: body.waiting_reminder,
        auto_unsolved_after_reminders: body.auto_unsolved_after_reminders,
        auto_close: body.auto_close,
    };
    Ok(Json(state.app.update_service_level(&actor, id, patch).await?))
}
