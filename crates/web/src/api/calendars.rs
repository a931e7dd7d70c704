//! `/api/v1/calendars`: the working-hour calendars service levels count in; read by everyone
//! signed in, written by admins.

use axum::Json;
use axum::response::IntoResponse;
use helpdesk_app::AppError;
use helpdesk_app::calendars::{CalendarInput, CalendarPatch};
use helpdesk_domain::CalendarId;
use helpdesk_domain::calendar::{CalendarRecord, WeekHours};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A new calendar.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCalendar {
    /// Its name, unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Its IANA time zone, such as `Europe/Berlin` (`UTC` when not given).
    #[serde(default = "utc")]
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Each weekday's working intervals; the week needs some working time.
    pub week: WeekHours,
    /// Whole local dates without working time.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub holidays: Vec<time::Date>,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// A change to some of a calendar's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCalendar {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// New IANA time zone.
    pub time_zone: Option<String>,
    /// New week.
    pub week: Option<WeekHours>,
    /// New holidays, all of them.
    #[schema(max_items = 1000)]
    pub holidays: Option<Vec<time::Date>>,
}

/// The moment asked about.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// The start, RFC 3339 (`2026-12-24T16:00:00+01:00`).
    #[param(format = DateTime)]
    pub from: String,
    /// Working time after it: a whole number of minutes, hours or working days (`30m`, `4h`,
    /// `5d`), at most ten years.
    #[param(example = "4h")]
    pub after: String,
}

/// When the working time asked about has passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Due {
    /// The moment, RFC 3339 in UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub due: OffsetDateTime,
}

/// Lists the working-hour calendars, oldest first (`Default` and `24x7` exist from the start).
#[utoipa::path(get, path = "/api/v1/calendars", tag = "catalog", security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendars", body = Vec<CalendarRecord>),
        ReadRefusals,
    ))]
pub async fn list_calendars(Caller { state, actor }: Caller) -> ApiResult<Vec<CalendarRecord>> {
    Ok(Json(state.app.calendars(&actor).await?))
}

/// Creates a working-hour calendar (admins only).
#[utoipa::path(post, path = "/api/v1/calendars", tag = "catalog", request_body = CreateCalendar, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new calendar", body = CalendarRecord),
        WriteRefusals,
    ))]
pub async fn create_calendar(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateCalendar>,
) -> Result<impl IntoResponse, Problem> {
    let input = CalendarInput { name: body.name, time_zone: body.time_zone, week: body.week, holidays: body.holidays };
    let calendar = state.app.create_calendar(&actor, input).await?;
    Ok(created(format!("/api/v1/calendars/{}", calendar.id), calendar))
}

/// One working-hour calendar.
#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "catalog", params(("id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar", body = CalendarRecord),
        ReadRefusals,
    ))]
pub async fn get_calendar(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<CalendarId>,
) -> ApiResult<CalendarRecord> {
    Ok(Json(state.app.calendar(&actor, id).await?))
}

/// Changes some of a calendar's fields (admins only).
#[utoipa::path(patch, path = "/api/v1/calendars/{id}", tag = "catalog", params(("id" = i64, Path)),
    request_body = UpdateCalendar, security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed calendar", body = CalendarRecord),
        WriteRefusals,
    ))]
pub async fn update_calendar(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<CalendarId>,
    ApiJson(body): ApiJson<UpdateCalendar>,
) -> ApiResult<CalendarRecord> {
    let patch = CalendarPatch { name: body.name, time_zone: body.time_zone, week: body.week, holidays: body.holidays };
    Ok(Json(state.app.update_calendar(&actor, id, patch).await?))
}

/// When some working time in this calendar has passed since a moment: the preview of the
/// calendar's page, and what a service level's clocks compute.
#[utoipa::path(get, path = "/api/v1/calendars/{id}/due", tag = "catalog", params(("id" = i64, Path), DueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The due moment", body = Due),
        ReadRefusals,
    ))]
pub async fn calendar_due(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<CalendarId>,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Due> {
    let from = OffsetDateTime::parse(q.from.trim(), &Rfc3339)
        .map_err(|_| AppError::invalid("from", format!("'{}' is not an RFC 3339 moment", q.from)))?;
    let due = state.app.calendar_due(&actor, id, from, &q.after).await?;
    Ok(Json(Due { due }))
}
