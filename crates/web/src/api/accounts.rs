//! `/api/v1/me` changes, the caller's linked identities and notification preferences, and
//! `/api/v1/accounts`: the admin's list of accounts, their roles, disabling.

use axum::Json;
use helpdesk_app::AppError;
use helpdesk_domain::AccountId;
use helpdesk_domain::account::{Account, LinkedIdentity, Notification, Profile, Role};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::validation::Errors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, ReadRefusals, WriteRefusals};
use crate::AppState;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A change of the caller's profile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    /// The name shown to others.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
}

/// The kinds of notification wanted; every kind not named is not sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WantedNotifications {
    /// The kinds wanted.
    // Names, not the enum, so that an unknown one is refused naming the field (422 with `errors`).
    #[schema(value_type = Vec<Notification>)]
    pub wanted: Vec<String>,
}

/// Which accounts to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAccounts {
    /// Only accounts whose name or e-mail address contains this, ignoring case.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100 (25 when not given).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The roles to grant an account, replacing those it has.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    /// Granted roles: `community`, `partner`, `staff`, `admin`, `mail_gateway` (the others
    /// follow from memberships and contracts). None means `community`.
    #[schema(value_type = Vec<GrantedRole>)]
    pub roles: Vec<Role>,
}

/// A role an admin grants; the others follow from memberships and contracts.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // Only describes the roles a request may name; they are read as `Role`s.
pub enum GrantedRole {
    /// Registered, no support contract.
    Community,
    /// Certified service partner of some organisations.
    Partner,
    /// Helpdesk operator.
    Staff,
    /// Runs the installation.
    Admin,
    /// A mail transfer agent's gateway.
    MailGateway,
    /// The alarm right: a supporter may raise their unit's team tickets to alarms.
    Alarm,
}

/// A change of an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAccount {
    /// Whether the account is disabled; disabling signs it out everywhere at once.
    pub disabled: bool,
}

/// Renames the caller.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", request_body = UpdateMe, security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Profile), WriteRefusals))]
pub async fn update_me(Caller { state, actor }: Caller, ApiJson(body): ApiJson<UpdateMe>) -> ApiResult<Profile> {
    state.app.rename_me(&actor, &body.name).await?;
    Ok(Json(state.app.profile(&actor).await?))
}

/// The OpenID Connect identities linked to the caller's account, oldest first.
#[utoipa::path(get, path = "/api/v1/me/identities", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The identities", body = Vec<LinkedIdentity>), ReadRefusals))]
pub async fn my_identities(Caller { state, actor }: Caller) -> ApiResult<Vec<LinkedIdentity>> {
    Ok(Json(state.app.my_identities(&actor).await?))
}

/// The notifications the caller wants (every kind, until they say otherwise).
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, description = "The kinds wanted", body = WantedNotifications), ReadRefusals))]
pub async fn my_notifications(Caller { state, actor }: Caller) -> ApiResult<WantedNotifications> {
    wanted(&state, &actor).await
}

/// Sets the notifications the caller wants; an unknown kind refuses the whole change.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "accounts", request_body = WantedNotifications,
    security(("bearer" = [])),
    responses((status = 200, description = "The kinds wanted now", body = WantedNotifications), WriteRefusals))]
pub async fn set_my_notifications(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<WantedNotifications>,
) -> ApiResult<WantedNotifications> {
    let mut errors = Errors::new();
    let mut kinds = Vec::with_capacity(body.wanted.len());
    for (i, name) in body.wanted.iter().enumerate() {
        match name.parse::<Notification>() {
            Ok(kind) => kinds.push(kind),
            Err(e) => errors.add(format!("wanted[{i}]"), e.to_string()),
        }
    }
    errors.finish(()).map_err(AppError::Invalid)?;
    state.app.set_notification_preferences(&actor, kinds).await?;
    wanted(&state, &actor).await
}

async fn wanted(state: &AppState, actor: &helpdesk_domain::policy::Actor) -> ApiResult<WantedNotifications> {
    let preferences = state.app.notification_preferences(actor).await?;
    let wanted = preferences.into_iter().filter(|(_, on)| *on).map(|(kind, _)| kind.as_str().to_owned()).collect();
    Ok(Json(WantedNotifications { wanted }))
}

/// An account an admin makes for someone: it counts as verified at once (the admin vouches for
/// the address) and joins the organisations of its domain; its owner sets a password through
/// "forgot password", or signs in another way.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    /// The e-mail address.
    #[schema(format = Email)]
    pub email: String,
    /// The name shown to others.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Granted roles (`community` when none is given).
    #[serde(default)]
    #[schema(value_type = Vec<GrantedRole>)]
    pub roles: Vec<Role>,
}

/// Makes an account (admins). An address already in use is a conflict.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = CreateAccount, security(("bearer" = [])),
    responses((status = 201, description = "The new account", body = Account), WriteRefusals))]
pub async fn create_account(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateAccount>,
) -> Result<impl axum::response::IntoResponse, Problem> {
    let account = state.app.create_account(&actor, &body.email, &body.name, &body.roles).await?;
    Ok(super::created(format!("/api/v1/accounts/{}", account.id), account))
}

/// Accounts by name, with their granted roles (staff and admins).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(ListAccounts), security(("bearer" = [])),
    responses((status = 200, description = "A page of accounts", body = Page<Account>), ReadRefusals,
        (status = 403, description = "Neither staff nor admin", body = Problem, content_type = "application/problem+json")))]
pub async fn list_accounts(
    Caller { state, actor }: Caller,
    ApiQuery(query): ApiQuery<ListAccounts>,
) -> ApiResult<Page<Account>> {
    let page = PageRequest::new(query.page, query.per_page).map_err(AppError::Invalid)?;
    Ok(Json(state.app.accounts(&actor, query.q, page).await?))
}

/// Replaces the roles granted to an account (admins; not one's own admin role). It takes effect
/// on the account's next request.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/roles", tag = "accounts", params(("id" = i64, Path)),
    request_body = SetRoles, security(("bearer" = [])),
    responses((status = 200, description = "The account", body = Account), WriteRefusals))]
pub async fn set_roles(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(body): ApiJson<SetRoles>,
) -> ApiResult<Account> {
    Ok(Json(state.app.set_roles(&actor, id, body.roles).await?))
}

/// Disables or enables an account (admins; not one's own). A disabled account is signed out at
/// once, and its tokens stop working.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path)),
    request_body = UpdateAccount, security(("bearer" = [])),
    responses((status = 200, description = "The account", body = Account), WriteRefusals))]
pub async fn update_account(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(body): ApiJson<UpdateAccount>,
) -> ApiResult<Account> {
    Ok(Json(state.app.set_account_disabled(&actor, id, body.disabled).await?))
}
