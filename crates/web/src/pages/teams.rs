//! The pages of teams: every team (admins), and one team's members (added by hand, removed, or
//! synced from a pasted list of addresses and DNs) for admins under `/admin/teams/{id}` and
//! for its managers and members under `/teams/{id}` (the policy says who may change what).

use askama::Template;
use helpdesk_app::teams::SyncedList;
use helpdesk_domain::TeamId;
use helpdesk_domain::policy::Action;
use helpdesk_domain::team::TeamMember;
use serde::Deserialize;

use super::admin::refused;
use super::form::{PageForm, PagePath};
use super::{Admin, Errors, PageResult, Shell, SignedIn, Viewer, render, see_other};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    shell: Shell,
    /// (id, name, "3 members, 1 alarmer · address")
    teams: Vec<(i64, String, String)>,
    name: String,
    email: String,
    errors: Errors,
}

/// A new team, from the form.
#[derive(Debug, Default, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

async fn teams_page(state: &AppState, viewer: &Viewer, form: TeamForm, errors: Errors) -> PageResult {
    let teams = state
        .app
        .teams(&viewer.actor)
        .await?
        .into_iter()
        .map(|t| {
            let address = if t.email.is_empty() { String::new() } else { format!(" · {}", t.email) };
            (t.id.get(), t.name, format!("{} members, {} alarmers{address}", t.members, t.alarmers))
        })
        .collect();
    let page = TeamsPage { shell: Shell::of(viewer), teams, name: form.name, email: form.email, errors };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// Every team, and the form for a new one.
pub async fn teams(Admin { state, viewer }: Admin) -> PageResult {
    teams_page(&state, &viewer, TeamForm::default(), Errors::default()).await
}

/// Makes a team.
pub async fn create_team(Admin { state, viewer }: Admin, PageForm(form): PageForm<TeamForm>) -> PageResult {
    match state.app.create_team(&viewer.actor, &form.name, &form.email).await {
        Ok(team) => Ok(see_other(&format!("/admin/teams/{}", team.id))),
        Err(e) => teams_page(&state, &viewer, form, Errors::from_app(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    shell: Shell,
    id: i64,
    name: String,
    email: String,
    members: Vec<TeamMember>,
    /// Where the page's forms go: `/admin/teams` for admins, `/teams` for the others.
    base: &'static str,
    /// Whether the viewer keeps the members (admins, the team's managers).
    may_manage: bool,
    /// What the last sync did, in words.
    synced: Vec<String>,
    errors: Errors,
}

async fn team_page(
    state: &AppState,
    viewer: &Viewer,
    id: TeamId,
    errors: Errors,
    notice: &str,
    synced: Vec<String>,
) -> PageResult {
    let (team, members) = state.app.team(&viewer.actor, id).await?;
    let admin = state.app.may(&viewer.actor, Action::Administer).is_ok();
    let page = TeamPage {
        base: if admin { "/admin/teams" } else { "/teams" },
        may_manage: state.app.may(&viewer.actor, Action::ManageTeamMembers(id)).is_ok(),
        shell: Shell::of(viewer).with_notice(notice),
        id: team.id.get(),
        name: team.name,
        email: team.email,
        members,
        synced,
        errors,
    };
    if page.errors.any() { refused(&page) } else { Ok(render(&page)) }
}

/// One team and its members, in the admin pages.
pub async fn team(Admin { state, viewer }: Admin, PagePath(id): PagePath<TeamId>) -> PageResult {
    team_page(&state, &viewer, id, Errors::default(), "", Vec::new()).await
}

/// One team and its members, for its managers and members.
pub async fn my_team(SignedIn { state, viewer }: SignedIn, PagePath(id): PagePath<TeamId>) -> PageResult {
    team_page(&state, &viewer, id, Errors::default(), "", Vec::new()).await
}

/// A member added, changed or removed, from the team page.
#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    alarmer: Option<String>,
    #[serde(default)]
    manager: Option<String>,
    #[serde(default)]
    action: String,
}

/// Adds, changes or removes a member.
pub async fn member(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TeamId>,
    PageForm(form): PageForm<MemberForm>,
) -> PageResult {
    let outcome = if form.action == "remove" {
        state.app.remove_team_member(&viewer.actor, id, &form.member).await.map(|_| "The member is removed.")
    } else {
        state
            .app
            .put_team_member(&viewer.actor, id, &form.member, form.alarmer.is_some(), form.manager.is_some())
            .await
            .map(|_| "The member is saved.")
    };
    match outcome {
        Ok(notice) => team_page(&state, &viewer, id, Errors::default(), notice, Vec::new()).await,
        Err(e) => team_page(&state, &viewer, id, Errors::from_app(e)?, "", Vec::new()).await,
    }
}

/// A pasted list to sync the team to.
#[derive(Debug, Default, Deserialize)]
pub struct SyncForm {
    #[serde(default)]
    list: String,
    #[serde(default)]
    which: String,
}

/// Makes the team's members (or alarmers) those of the pasted list.
pub async fn sync(
    SignedIn { state, viewer }: SignedIn,
    PagePath(id): PagePath<TeamId>,
    PageForm(form): PageForm<SyncForm>,
) -> PageResult {
    let which = if form.which == "alarmers" { SyncedList::Alarmers } else { SyncedList::Members };
    match state.app.sync_team(&viewer.actor, id, &form.list, which).await {
        Ok(plan) => {
            let mut synced: Vec<String> = plan.added.iter().map(|m| format!("+ {m}")).collect();
            synced.extend(plan.removed.iter().map(|m| format!("− {m}")));
            let notice = format!("Synced: {} added, {} removed.", plan.added.len(), plan.removed.len());
            team_page(&state, &viewer, id, Errors::default(), &notice, synced).await
        }
        Err(e) => team_page(&state, &viewer, id, Errors::from_app(e)?, "", Vec::new()).await,
    }
}
