//! Support units as their members and managers see them: asking to join, members, and the join
//! requests a manager approves or refuses.

use askama::Template;
use helpdesk_app::AppError;
use helpdesk_domain::AccountId;
use helpdesk_domain::UnitId;
use helpdesk_domain::organisation::JoinState;
use helpdesk_domain::policy::{Action, check};
use serde::Deserialize;

use super::form::{NoFields, PageForm, PagePath, PageQuery};
use super::views::{first_hundred, when};
use super::{Errors, PageResult, Shell, SignedIn, render, see_other};

/// A unit in the list.
pub struct UnitRow {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// What it handles.
    pub description: String,
    /// Its level, address and mode.
    pub detail: String,
    /// Whether the viewer is a member.
    pub member: bool,
    /// Whether the viewer manages it.
    pub manages: bool,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    shell: Shell,
    units: Vec<UnitRow>,
    errors: Errors,
}

/// Every support unit, with "ask to join" for those the viewer is not in.
pub async fn list(
    SignedIn { state, viewer }: SignedIn,
    PageQuery(q): PageQuery<std::collections::HashMap<String, String>>,
) -> PageResult {
    let all = first_hundred()?;
    let units = state
        .app
        .units(&viewer.actor, all)
        .await?
        .items
        .into_iter()
        .map(|u| UnitRow {
            member: viewer.actor.units.contains(&u.id),
            manages: check(&viewer.actor, Action::ManageUnitMembers(u.id)).is_ok(),
            detail: format!("level {} · {} · {}", u.level, u.email, u.integration.as_str()),
            id: u.id.get(),
            name: u.name,
            description: u.description,
        })
        .collect();
    let notice = if q.contains_key("asked") { "Your request is sent; the unit's managers decide." } else { "" };
    Ok(render(&UnitsPage { shell: Shell::of(&viewer).with_notice(notice), units, errors: Errors::default() }))
}

/// A member as the unit page shows them.
pub struct MemberRow {
    /// Their account.
    pub account: i64,
    /// Name and address.
    pub name: String,
    /// Manager or member, and since when.
    pub detail: String,
}

/// A join request as the unit page shows it.
pub struct RequestRow {
    /// Its id.
    pub id: i64,
    /// Who asks.
    pub who: String,
    /// What they say.
    pub message: String,
    /// When.
    pub at: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    shell: Shell,
    id: i64,
    name: String,
    detail: String,
    manages: bool,
    members: Vec<MemberRow>,
    requests: Vec<RequestRow>,
}

/// One unit: its members (for members and managers) and, for managers, the pending join requests.
pub async fn show(SignedIn { state, viewer }: SignedIn, PagePath(id): PagePath<UnitId>) -> PageResult {
    let unit = state.app.unit(&viewer.actor, id).await?;
    let manages = check(&viewer.actor, Action::ManageUnitMembers(id)).is_ok();
    let members = state
        .app
        .unit_members(&viewer.actor, id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            account: m.account.get(),
            name: format!("{} <{}>", m.name, m.email),
            detail: format!("{} since {}", if m.manager { "manager" } else { "member" }, when(m.since)),
        })
        .collect();
    let mut requests = vec![];
    if manages {
        let first = first_hundred()?;
        requests = state
            .app
            .join_requests(&viewer.actor, id, Some(JoinState::Pending), first)
            .await?
            .items
            .into_iter()
            .map(|r| RequestRow {
                id: r.id,
                who: format!("{} <{}>", r.name, r.email),
                message: r.message,
                at: when(r.created_at),
            })
            .collect();
    }
    let page = UnitPage {
        shell: Shell::of(&viewer),
        id: id.get(),
        detail: format!("Level {} · {} · works {}", unit.level, unit.email, unit.integration.as_str()),
        name: unit.name,
        manages,
        members,
        requests,
    };
    Ok(render(&page))
}

/// A join request's message.
#[derive(Debug, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    message: String,
}

/// Asks to join a unit; its managers decide.
pub async fn join(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<UnitId>,
    PageForm(form): PageForm<JoinForm>,
) -> PageResult {
    match state.app.request_to_join(&viewer.actor, id, form.message).await {
        Ok(_) => Ok(see_other("/units?asked=1")),
        Err(e) => Err(e.into()),
    }
}

/// A manager's decision.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
}

/// Approves or refuses a join request.
pub async fn decide(
    SignedIn { state, viewer }: SignedIn,
    PagePath((id, request)): PagePath<(UnitId, i64)>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(AppError::invalid("decision", "approve or refuse").into()),
    };
    state.app.decide_join_request(&viewer.actor, id, request, approve).await?;
    Ok(see_other(&format!("/units/{id}")))
}

/// Removes a member; their access to the unit's private tickets ends at once.
pub async fn remove_member(
    SignedIn { state, viewer }: SignedIn,
    PagePath((id, account)): PagePath<(UnitId, AccountId)>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    state.app.remove_unit_member(&viewer.actor, id, account).await?;
    Ok(see_other(&format!("/units/{id}")))
}
