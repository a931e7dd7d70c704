//! `/api/v1/search`: full-text search over the tickets the caller may read.

use axum::Json;
use helpdesk_app::AppError;
use helpdesk_app::search::{SearchFilters, SearchSort, StatusFilter};
use helpdesk_domain::listing::Lateness;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::search::SearchHit;
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::Priority;
use helpdesk_domain::validation::FieldError;
use helpdesk_domain::{AccountId, CategoryId, OrgId, UnitId};
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;

use super::{ApiResult, ReadRefusals};
use crate::extract::{ApiQuery, Caller};

/// A search: the words and the filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (all must match), "quoted phrases", -word to leave out, or a ticket number.
    pub q: Option<String>,
    /// A category's id.
    pub category: Option<CategoryId>,
    /// `open`, `closed`, or one status.
    #[param(
        pattern = r"^(open|closed|new|assigned|in_progress|waiting_for_reply|on_hold|reopened|solved|unsolved|verified)?$"
    )]
    pub status: Option<String>,
    /// A unit's id.
    pub unit: Option<UnitId>,
    /// One priority.
    pub priority: Option<Priority>,
    /// An organisation's id.
    pub organisation: Option<OrgId>,
    /// The account that opened the tickets (or had them opened for them).
    pub submitter: Option<AccountId>,
    /// Opened on or after this day (YYYY-MM-DD) or time (RFC 3339).
    #[param(schema_with = moment_schema)]
    pub from: Option<String>,
    /// Opened before this day (YYYY-MM-DD) or time (RFC 3339).
    #[param(schema_with = moment_schema)]
    pub to: Option<String>,
    /// Only tickets with a service-level clock this late: `warning` (a quarter of its time or
    /// less left) or `breached`.
    pub sla: Option<Lateness>,
    /// Only tickets of this kind: `user`, `team` or `alarm`.
    pub kind: Option<helpdesk_domain::team::TicketKind>,
    /// `relevance` (the default) or `activity` (newest activity first).
    #[param(pattern = "^(relevance|activity)?$")]
    pub sort: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// How the document states what [`moment`] reads: nothing, a day, or a time.
fn moment_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    let text = |format| ObjectBuilder::new().schema_type(Type::String).format(Some(SchemaFormat::KnownFormat(format)));
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String).max_length(Some(0)))
        .item(text(KnownFormat::Date))
        .item(text(KnownFormat::DateTime))
        .description(Some("A day (YYYY-MM-DD) or a time (RFC 3339)"))
        .build()
        .into()
}

/// A day (its start, UTC) or an RFC 3339 time.
fn moment(field: &str, text: &str) -> Result<OffsetDateTime, FieldError> {
    let day = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, &day) {
        return Ok(date.midnight().assume_utc());
    }
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| FieldError::new(field, "must be a day (YYYY-MM-DD) or an RFC 3339 time"))
}

impl SearchParams {
    fn parts(&self) -> Result<(SearchFilters, SearchSort, PageRequest), AppError> {
        let mut errors = Vec::new();
        let status = match self.status.as_deref() {
            None | Some("") => None,
            Some("open") => Some(StatusFilter::Open),
            Some("closed") => Some(StatusFilter::Closed),
            Some(other) => match other.parse::<Status>() {
                Ok(status) => Some(StatusFilter::Is(status)),
                Err(e) => {
                    errors.push(FieldError::new("status", format!("must be open, closed or a status: {e}")));
                    None
                }
            },
        };
        let sort = match self.sort.as_deref() {
            None | Some("") | Some("relevance") => SearchSort::Relevance,
            Some("activity") => SearchSort::Activity,
            Some(_) => {
                errors.push(FieldError::new("sort", "must be relevance or activity"));
                SearchSort::Relevance
            }
        };
        let mut when = |field: &str, value: &Option<String>| match value.as_deref().filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => moment(field, text).map_err(|e| errors.push(e)).ok(),
        };
        let (from, to) = (when("from", &self.from), when("to", &self.to));
        let page = PageRequest::new(self.page, self.per_page).map_err(|e| errors.extend(e)).ok();
        match page {
            Some(page) if errors.is_empty() => Ok((
                SearchFilters {
                    category: self.category,
                    status,
                    unit: self.unit,
                    priority: self.priority,
                    organisation: self.organisation,
                    submitter: self.submitter,
                    from,
                    to,
                    late: self.sla,
                    kind: self.kind,
                },
                sort,
                page,
            )),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Searches the tickets the caller may read: titles, descriptions, category fields, public
/// replies, and the internal notes the caller may read; counts and pages hold nothing else.
#[utoipa::path(get, path = "/api/v1/search", tag = "tickets", params(SearchParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of hits, best first", body = Page<SearchHit>),
        ReadRefusals,
    ))]
pub async fn search(
    Caller { state, actor }: Caller,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> ApiResult<Page<SearchHit>> {
    let (filters, sort, page) = params.parts()?;
    let text = params.q.as_deref().unwrap_or_default();
    Ok(Json(state.app.search(&actor, text, filters, sort, page).await?))
}
