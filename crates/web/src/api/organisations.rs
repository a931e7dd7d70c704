//! `/api/v1/organisations`: organisations, their domains, partners, contracts and members.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_app::organisations::ContractPatch;
use helpdesk_app::organisations::NewContract;
use helpdesk_domain::account::Account;
use helpdesk_domain::organisation::{Contract, Organisation};
use helpdesk_domain::paging::Page;
use helpdesk_domain::{AccountId, OrgId};
use serde::{Deserialize, Deserializer};
use time::Date;
use utoipa::ToSchema;

use super::{ApiResult, PageParams, ReadRefusals, RestrictedReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A new organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    /// Its name, unique.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Its verified e-mail domains (e.g. `example.org`).
    #[serde(default)]
    #[schema(value_type = Vec<DomainName>)]
    pub domains: Vec<String>,
}

/// A change of an organisation's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisation {
    /// The new name.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
}

/// An e-mail domain, e.g. `example.org` (an `@` before it and white space around it are taken away).
#[derive(ToSchema)]
#[schema(value_type = String, max_length = 253, pattern = r"^[ \t\n\f\r]*@*(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?[ \t\n\f\r]*$")]
#[allow(dead_code)] // Only describes a list of domains; they are read as strings.
pub struct DomainName(String);

/// A domain to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDomain {
    /// The domain, e.g. `example.org`.
    #[schema(
        max_length = 253,
        pattern = r"^[ \t\n\f\r]*@*(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?[ \t\n\f\r]*$"
    )]
    pub domain: String,
}

/// An account to add (a partner, a member).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountRef {
    /// The account's id.
    pub account: AccountId,
}

/// A new support contract.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContract {
    /// The plan, e.g. "Gold".
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub plan: String,
    /// The first day, `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub starts_on: Date,
    /// The last day, `YYYY-MM-DD`; leave out for an open-ended contract.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub ends_on: Option<Date>,
    /// What it includes.
    #[serde(default)]
    pub includes: String,
}

/// A change to a contract; `ends_on: null` makes it open-ended.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContract {
    /// New plan.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub plan: Option<String>,
    /// New first day.
    #[schema(value_type = Option<String>, format = Date)]
    pub starts_on: Option<Date>,
    /// New last day; null for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = Date, nullable)]
    pub ends_on: Option<Option<Date>>,
    /// New description of what it includes.
    pub includes: Option<String>,
}

fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Lists the organisations the caller may read: every one for staff and admins; for a supporter,
/// those with a ticket in their units; for a named user or partner, their own. Contracts and
/// partners are shown to admins and the organisation's own people.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(PageParams), security(("bearer" = [])),
    responses((status = 200, description = "A page of organisations", body = Page<Organisation>), RestrictedReadRefusals))]
pub async fn list_organisations(
    Caller { state, actor }: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<Organisation>> {
    Ok(Json(state.app.organisations(&actor, page.request()?).await?))
}

/// Creates an organisation (admins). Accounts verified at its domains become members.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = CreateOrganisation,
    security(("bearer" = [])), responses((status = 201, description = "The new organisation", body = Organisation), WriteRefusals))]
pub async fn create_organisation(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateOrganisation>,
) -> Result<impl IntoResponse, Problem> {
    let org = state.app.create_organisation(&actor, &body.name, body.domains).await?;
    Ok(created(format!("/api/v1/organisations/{}", org.id), org))
}

/// One organisation, to whoever may read it (as the list says).
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The organisation", body = Organisation), ReadRefusals))]
pub async fn get_organisation(Caller { state, actor }: Caller, ApiPath(id): ApiPath<OrgId>) -> ApiResult<Organisation> {
    Ok(Json(state.app.organisation(&actor, id).await?))
}

/// Renames an organisation (admins).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    request_body = UpdateOrganisation, security(("bearer" = [])),
    responses((status = 200, description = "The organisation", body = Organisation), WriteRefusals))]
pub async fn update_organisation(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<UpdateOrganisation>,
) -> ApiResult<Organisation> {
    Ok(Json(state.app.rename_organisation(&actor, id, &body.name).await?))
}

/// Adds a verified domain (admins); accounts verified at it become members.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/domains", tag = "organisations", params(("id" = i64, Path)),
    request_body = AddDomain, security(("bearer" = [])),
    responses((status = 201, description = "The organisation", body = Organisation), WriteRefusals))]
pub async fn add_domain(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<AddDomain>,
) -> Result<impl IntoResponse, Problem> {
    let org = state.app.add_domain(&actor, id, &body.domain).await?;
    Ok(created(format!("/api/v1/organisations/{id}"), org))
}

/// Removes a domain (admins); members stay members.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/domains/{domain}", tag = "organisations",
    params(("id" = i64, Path), ("domain" = String, Path, max_length = 253, pattern = r"^[ \t\n\f\r]*@*(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?[ \t\n\f\r]*$")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), WriteRefusals))]
pub async fn remove_domain(
    Caller { state, actor }: Caller,
    ApiPath((id, domain)): ApiPath<(OrgId, String)>,
) -> Result<StatusCode, Problem> {
    state.app.remove_domain(&actor, id, &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes an account a partner serving the organisation (admins).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/partners", tag = "organisations", params(("id" = i64, Path)),
    request_body = AccountRef, security(("bearer" = [])),
    responses((status = 201, description = "The organisation", body = Organisation), WriteRefusals))]
pub async fn add_partner(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<AccountRef>,
) -> Result<impl IntoResponse, Problem> {
    let org = state.app.add_partner(&actor, id, body.account).await?;
    Ok(created(format!("/api/v1/organisations/{id}"), org))
}

/// Ends a partnership (admins).
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/partners/{account}", tag = "organisations",
    params(("id" = i64, Path), ("account" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), WriteRefusals))]
pub async fn remove_partner(
    Caller { state, actor }: Caller,
    ApiPath((id, account)): ApiPath<(OrgId, AccountId)>,
) -> Result<StatusCode, Problem> {
    state.app.remove_partner(&actor, id, account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a support contract (admins). While it runs, the members are named users.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/contracts", tag = "organisations", params(("id" = i64, Path)),
    request_body = CreateContract, security(("bearer" = [])),
    responses((status = 201, description = "The contract", body = Contract), WriteRefusals))]
pub async fn add_contract(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<CreateContract>,
) -> Result<impl IntoResponse, Problem> {
    let contract =
        NewContract { plan: body.plan, starts_on: body.starts_on, ends_on: body.ends_on, includes: body.includes };
    let contract = state.app.add_contract(&actor, id, contract).await?;
    Ok(created(format!("/api/v1/organisations/{id}/contracts/{}", contract.id), contract))
}

/// Changes a contract, e.g. ends it (admins).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}/contracts/{contract}", tag = "organisations",
    params(("id" = i64, Path), ("contract" = i64, Path)), request_body = UpdateContract, security(("bearer" = [])),
    responses((status = 200, description = "The contract", body = Contract), WriteRefusals))]
pub async fn update_contract(
    Caller { state, actor }: Caller,
    ApiPath((id, contract)): ApiPath<(OrgId, i64)>,
    ApiJson(body): ApiJson<UpdateContract>,
) -> ApiResult<Contract> {
    let patch =
        ContractPatch { plan: body.plan, starts_on: body.starts_on, ends_on: body.ends_on, includes: body.includes };
    Ok(Json(state.app.update_contract(&actor, id, contract, patch).await?))
}

/// Lists an organisation's members (admins).
#[utoipa::path(get, path = "/api/v1/organisations/{id}/members", tag = "organisations",
    params(("id" = i64, Path), PageParams), security(("bearer" = [])),
    responses((status = 200, description = "A page of members", body = Page<Account>), RestrictedReadRefusals))]
pub async fn list_members(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Page<Account>> {
    Ok(Json(state.app.organisation_members(&actor, id, page.request()?).await?))
}

/// Makes an account a member by hand (admins), e.g. for an address outside the domains.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/members", tag = "organisations", params(("id" = i64, Path)),
    request_body = AccountRef, security(("bearer" = [])), responses((status = 204, description = "Added"), WriteRefusals))]
pub async fn add_member(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<OrgId>,
    ApiJson(body): ApiJson<AccountRef>,
) -> Result<StatusCode, Problem> {
    state.app.add_organisation_member(&actor, id, body.account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a membership (admins).
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/members/{account}", tag = "organisations",
    params(("id" = i64, Path), ("account" = i64, Path)), security(("bearer" = [])),
    responses((status = 204, description = "Removed"), WriteRefusals))]
pub async fn remove_member(
    Caller { state, actor }: Caller,
    ApiPath((id, account)): ApiPath<(OrgId, AccountId)>,
) -> Result<StatusCode, Problem> {
    state.app.remove_organisation_member(&actor, id, account).await?;
    Ok(StatusCode::NO_CONTENT)
}
