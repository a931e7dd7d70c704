//! `/api/v1/units` and `/api/v1/categories`: read by everyone, written by admins.

use axum::Json;
use axum::response::IntoResponse;
use helpdesk_app::catalog::{CategoryInput, CategoryPatch, UnitInput, UnitPatch};
use helpdesk_domain::category::{Category, FieldDef};
use helpdesk_domain::paging::Page;
use helpdesk_domain::unit::{Integration, Unit};
use helpdesk_domain::{CategoryId, ServiceLevelId, UnitId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, PageParams, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A new support unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    /// Its name, unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// 1st, 2nd or 3rd line.
    #[schema(minimum = 1, maximum = 3)]
    pub level: i16,
    /// Its address, often a mailing list.
    #[schema(format = Email)]
    pub email: String,
    /// What it handles.
    #[serde(default)]
    pub description: String,
    /// How it works its tickets (direct when not given).
    #[serde(default)]
    pub integration: Integration,
    /// Its service level (Base when not given).
    pub service_level: Option<ServiceLevelId>,
    /// Where its alarm tickets are mailed at once, at any hour (empty or absent: none).
    #[serde(default)]
    pub alarm_email: String,
}

/// A change to some of a unit's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// New level.
    #[schema(minimum = 1, maximum = 3)]
    pub level: Option<i16>,
    /// New address.
    #[schema(format = Email)]
    pub email: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New integration mode.
    pub integration: Option<Integration>,
    /// New service level.
    pub service_level: Option<ServiceLevelId>,
    /// New alarm address (empty: none).
    pub alarm_email: Option<String>,
}

/// A new category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategory {
    /// Its name, unique.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// The unit its new tickets go to.
    pub default_unit: UnitId,
    /// Its own fields.
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    /// What belongs in it.
    #[serde(default)]
    pub description: String,
}

/// A change to some of a category's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategory {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// New default unit.
    pub default_unit: Option<UnitId>,
    /// New field definitions; existing tickets keep their values.
    pub fields: Option<Vec<FieldDef>>,
    /// New description.
    pub description: Option<String>,
}

/// Lists the support units, by name.
#[utoipa::path(get, path = "/api/v1/units", tag = "catalog", params(PageParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of units", body = Page<Unit>),
        ReadRefusals,
    ))]
pub async fn list_units(
    Caller { state, actor }: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<Unit>> {
    Ok(Json(state.app.units(&actor, page.request()?).await?))
}

/// Creates a support unit (admins only).
#[utoipa::path(post, path = "/api/v1/units", tag = "catalog", request_body = CreateUnit, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new unit", body = Unit),
        WriteRefusals,
    ))]
pub async fn create_unit(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateUnit>,
) -> Result<impl IntoResponse, Problem> {
    let input = UnitInput {
        name: body.name,
        description: body.description,
        level: body.level,
        email: body.email,
        integration: body.integration,
        service_level: body.service_level,
        alarm_email: body.alarm_email,
    };
    let unit = state.app.create_unit(&actor, input).await?;
    Ok(created(format!("/api/v1/units/{}", unit.id), unit))
}

/// One support unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "catalog", params(("id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The unit", body = Unit),
        ReadRefusals,
    ))]
pub async fn get_unit(Caller { state, actor }: Caller, ApiPath(id): ApiPath<UnitId>) -> ApiResult<Unit> {
    Ok(Json(state.app.unit(&actor, id).await?))
}

/// Changes some of a unit's fields (admins only).
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "catalog", params(("id" = i64, Path)), request_body = UpdateUnit,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed unit", body = Unit),
        WriteRefusals,
    ))]
pub async fn update_unit(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<UnitId>,
    ApiJson(body): ApiJson<UpdateUnit>,
) -> ApiResult<Unit> {
    let patch = UnitPatch {
        name: body.name,
        description: body.description,
        level: body.level,
        email: body.email,
        integration: body.integration,
        service_level: body.service_level,
        alarm_email: body.alarm_email,
    };
    Ok(Json(state.app.update_unit(&actor, id, patch).await?))
}

/// Lists the categories, by name.
#[utoipa::path(get, path = "/api/v1/categories", tag = "catalog", params(PageParams), security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of categories", body = Page<Category>),
        ReadRefusals,
    ))]
pub async fn list_categories(
    Caller { state, actor }: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<Category>> {
    Ok(Json(state.app.categories(&actor, page.request()?).await?))
}

/// Creates a category with its own fields (admins only).
#[utoipa::path(post, path = "/api/v1/categories", tag = "catalog", request_body = CreateCategory, security(("bearer" = [])),
    responses(
        (status = 201, description = "The new category", body = Category),
        WriteRefusals,
    ))]
pub async fn create_category(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateCategory>,
) -> Result<impl IntoResponse, Problem> {
    let input = CategoryInput {
        name: body.name,
        description: body.description,
        default_unit: body.default_unit,
        fields: body.fields,
    };
    let category = state.app.create_category(&actor, input).await?;
    Ok(created(format!("/api/v1/categories/{}", category.id), category))
}

/// One category.
#[utoipa::path(get, path = "/api/v1/categories/{id}", tag = "catalog", params(("id" = i64, Path)), security(("bearer" = [])),
    responses(
        (status = 200, description = "The category", body = Category),
        ReadRefusals,
    ))]
pub async fn get_category(Caller { state, actor }: Caller, ApiPath(id): ApiPath<CategoryId>) -> ApiResult<Category> {
    Ok(Json(state.app.category(&actor, id).await?))
}

/// Changes some of a category's fields (admins only).
#[utoipa::path(patch, path = "/api/v1/categories/{id}", tag = "catalog", params(("id" = i64, Path)), request_body = UpdateCategory,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed category", body = Category),
        WriteRefusals,
    ))]
pub async fn update_category(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<CategoryId>,
    ApiJson(body): ApiJson<UpdateCategory>,
) -> ApiResult<Category> {
    let patch = CategoryPatch {
        name: body.name,
        description: body.description,
        default_unit: body.default_unit,
        fields: body.fields,
    };
    Ok(Json(state.app.update_category(&actor, id, patch).await?))
}
