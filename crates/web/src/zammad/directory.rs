//! Users, organizations and groups of the Zammad face: Helpdesk's accounts, organisations and
//! support units.

use axum::extract::State;
use helpdesk_domain::account::{Account, Role};
use helpdesk_domain::organisation::Organisation;
use helpdesk_domain::unit::Unit;
use helpdesk_domain::{AccountId, OrgId, UnitId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::input::{ZammadJson, ZammadPath, ZammadQuery};
use super::{Paging, ZResult, ZammadActor, list, made, one, unprocessable};
use crate::AppState;

/// A Zammad user for an account.
pub(crate) fn user_json(a: &Account) -> Value {
    let (first, last) = a.name.split_once(' ').unwrap_or((a.name.as_str(), ""));
    let roles: Vec<&str> = a
        .roles
        .iter()
        .map(|r| match r {
            Role::Admin => "Admin",
            Role::Staff | Role::Supporter => "Agent",
            _ => "Customer",
        })
        .collect();
    json!({
        "id": a.id, "login": a.email, "email": a.email, "firstname": first, "lastname": last,
        "active": !a.disabled, "verified": a.verified, "roles": roles,
        "created_at": crate::zammad::tickets::stamp(a.created_at),
    })
}

fn organization_json(o: &Organisation) -> Value {
    json!({"id": o.id, "name": o.name, "active": true, "shared": true, "domain": o.domains.first().cloned().unwrap_or_default(),
        "domain_assignment": !o.domains.is_empty(), "note": "", "created_at": crate::zammad::tickets::stamp(o.created_at)})
}

/// A Zammad group for a unit.
pub(crate) fn group_json(u: &Unit) -> Value {
    json!({"id": u.id, "name": u.name, "active": true, "email_address": u.email, "note": u.description,
        "level": u.level, "created_at": crate::zammad::tickets::stamp(u.created_at), "updated_at": crate::zammad::tickets::stamp(u.updated_at)})
}

/// `GET users/me`.
pub(crate) async fn me(State(state): State<AppState>, ZammadActor(actor): ZammadActor) -> ZResult {
    one(user_json(&state.app.me(&actor).await?))
}

/// `GET users` (staff and admins).
pub(crate) async fn users(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    list(state.app.accounts(&actor, None, q.page()?).await?.items.iter().map(user_json).collect())
}

/// `GET users/search?query=…` (staff and admins).
pub(crate) async fn search_users(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    // Zammad's field prefixes (`email:`) name what Helpdesk searches anyway.
    let text = q.query.clone().unwrap_or_default();
    let text = text.split_once(':').map(|(_, v)| v.to_owned()).unwrap_or(text);
    list(state.app.accounts(&actor, Some(text), q.page()?).await?.items.iter().map(user_json).collect())
}

/// `GET users/{id}`.
pub(crate) async fn user(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    one(user_json(&state.app.account(&actor, AccountId(id)).await?))
}

/// A new user as Zammad's clients send it.
#[derive(Debug, Deserialize)]
pub(crate) struct NewUser {
    #[serde(default)]
    email: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    firstname: String,
    #[serde(default)]
    lastname: String,
}

/// `POST users` (admins): a community account.
pub(crate) async fn create_user(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadJson(body): ZammadJson<NewUser>,
) -> ZResult {
    let email = if body.email.is_empty() { body.login.clone() } else { body.email.clone() };
    let name = format!("{} {}", body.firstname.trim(), body.lastname.trim()).trim().to_owned();
    let name = if name.is_empty() { email.split('@').next().unwrap_or_default().to_owned() } else { name };
    made(user_json(&state.app.create_account(&actor, &email, &name, &[Role::Community]).await?))
}

/// `GET organizations`.
pub(crate) async fn organizations(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    list(state.app.organisations(&actor, q.page()?).await?.items.iter().map(organization_json).collect())
}

/// `GET organizations/search?query=…`: those whose name holds the text, any case.
pub(crate) async fn search_organizations(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    let text = q.query.clone().unwrap_or_default().to_lowercase();
    let text = text.split_once(':').map(|(_, v)| v.to_owned()).unwrap_or(text);
    let found = state.app.organisations(&actor, q.page()?).await?;
    list(found.items.iter().filter(|o| o.name.to_lowercase().contains(text.trim())).map(organization_json).collect())
}

/// `GET organizations/{id}`.
pub(crate) async fn organization(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    one(organization_json(&state.app.organisation(&actor, OrgId(id)).await?))
}

/// A new organization as Zammad's clients send it.
#[derive(Debug, Deserialize)]
pub(crate) struct NewOrganization {
    #[serde(default)]
    name: String,
    #[serde(default)]
    domain: Option<String>,
}

/// `POST organizations` (admins).
pub(crate) async fn create_organization(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadJson(body): ZammadJson<NewOrganization>,
) -> ZResult {
    if body.name.trim().is_empty() {
        return Err(unprocessable("name: must not be empty"));
    }
    let domains = body.domain.into_iter().filter(|d| !d.trim().is_empty()).collect();
    made(organization_json(&state.app.create_organisation(&actor, &body.name, domains).await?))
}

/// `GET groups`: the support units.
pub(crate) async fn groups(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadQuery(q): ZammadQuery<Paging>,
) -> ZResult {
    list(state.app.units(&actor, q.page()?).await?.items.iter().map(group_json).collect())
}

/// `GET groups/{id}`.
pub(crate) async fn group(
    State(state): State<AppState>,
    ZammadActor(actor): ZammadActor,
    ZammadPath(id): ZammadPath<i64>,
) -> ZResult {
    one(group_json(&state.app.unit(&actor, UnitId(id)).await?))
}
