//! Teams (GGUS's TEAM and ALARM tickets): `/api/v1/teams` and their members.

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use helpdesk_app::teams::SyncedList;
use helpdesk_domain::TeamId;
use helpdesk_domain::team::{SyncPlan, Team, TeamMember};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, ReadRefusals, WriteRefusals, created};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::problem::Problem;

/// A new team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// Its name, unique (a virtual organisation's, e.g. `atlas`).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: String,
    /// Its own address, which gets its tickets' notifications (left out: none).
    #[serde(default)]
    #[schema(format = Email)]
    pub email: Option<String>,
}

/// A change to a team; a field left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    /// New name.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub name: Option<String>,
    /// New address.
    #[schema(format = Email)]
    pub email: Option<String>,
}

/// A team with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamWithMembers {
    /// The team.
    pub team: Team,
    /// Its members, alarmers and managers first.
    pub members: Vec<TeamMember>,
}

/// A member to add, or whose rights change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMember {
    /// An e-mail address, or a certificate's subject DN (either form).
    #[schema(min_length = 1, max_length = 1000)]
    pub member: String,
    /// May open alarm tickets and raise the team's tickets to alarms.
    #[serde(default)]
    pub alarmer: bool,
    /// Keeps the team's members (with the admins).
    #[serde(default)]
    pub manager: bool,
}

/// Which member to remove.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RemoveMember {
    /// The member's address or DN.
    pub member: String,
}

/// Which list a sync makes the team's own.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncWhich {
    /// The members: those not listed leave the team.
    #[default]
    Members,
    /// The alarmers: those listed become alarmers (and members), the others keep only their
    /// membership.
    Alarmers,
}

/// A list to sync a team to (a VO's members by DN, nightly).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncTeam {
    /// Every member (or alarmer): addresses or DNs, at most 50,000.
    #[schema(max_items = 50000)]
    pub members: Vec<String>,
    /// Members (the default) or alarmers.
    #[serde(default)]
    pub which: SyncWhich,
}

/// The teams the caller may see: every team for staff and admins, their own for the others.
#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, description = "The teams, by name", body = Vec<Team>), ReadRefusals))]
pub async fn list_teams(Caller { state, actor }: Caller) -> ApiResult<Vec<Team>> {
    Ok(Json(state.app.teams(&actor).await?))
}

/// Makes a team (admins).
#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body = CreateTeam, security(("bearer" = [])),
    responses((status = 201, description = "The new team", body = Team), WriteRefusals))]
pub async fn create_team(
    Caller { state, actor }: Caller,
    ApiJson(body): ApiJson<CreateTeam>,
) -> Result<impl IntoResponse, Problem> {
    if body.email.as_deref().is_some_and(|e| e.trim().is_empty()) {
        return Err(helpdesk_app::AppError::invalid("email", "must be an address; leave it out for none").into());
    }
    let team = state.app.create_team(&actor, &body.name, body.email.as_deref().unwrap_or_default()).await?;
    Ok(created(format!("/api/v1/teams/{}", team.id), team))
}

/// One team with its members (its members, managers, staff and admins).
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, description = "The team", body = TeamWithMembers), ReadRefusals))]
pub async fn get_team(Caller { state, actor }: Caller, ApiPath(id): ApiPath<TeamId>) -> ApiResult<TeamWithMembers> {
    let (team, members) = state.app.team(&actor, id).await?;
    Ok(Json(TeamWithMembers { team, members }))
}

/// Renames a team or changes its address (admins).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)), request_body = UpdateTeam,
    security(("bearer" = [])), responses((status = 200, description = "The changed team", body = Team), WriteRefusals))]
pub async fn update_team(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TeamId>,
    ApiJson(body): ApiJson<UpdateTeam>,
) -> ApiResult<Team> {
    if body.email.as_deref().is_some_and(|e| e.trim().is_empty()) {
        return Err(helpdesk_app::AppError::invalid("email", "must be an address").into());
    }
    Ok(Json(state.app.update_team(&actor, id, body.name, body.email).await?))
}

/// Adds a member or changes their rights (admins and the team's managers).
#[utoipa::path(put, path = "/api/v1/teams/{id}/members", tag = "teams", params(("id" = i64, Path)),
    request_body = PutMember, security(("bearer" = [])),
    responses((status = 200, description = "The member as stored", body = TeamMember), WriteRefusals))]
pub async fn put_member(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TeamId>,
    ApiJson(body): ApiJson<PutMember>,
) -> ApiResult<TeamMember> {
    Ok(Json(state.app.put_team_member(&actor, id, &body.member, body.alarmer, body.manager).await?))
}

/// Removes a member (admins and the team's managers).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members", tag = "teams", params(("id" = i64, Path), RemoveMember),
    security(("bearer" = [])), responses((status = 204, description = "Removed"), WriteRefusals))]
pub async fn remove_member(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TeamId>,
    ApiQuery(query): ApiQuery<RemoveMember>,
) -> Result<StatusCode, Problem> {
    state.app.remove_team_member(&actor, id, &query.member).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes the team's members (or alarmers) those listed, and says who joined and who left;
/// the same list again changes nothing. A list with an entry that is neither an address nor a
/// DN is refused whole (422), naming the entry.
#[utoipa::path(post, path = "/api/v1/teams/{id}/sync", tag = "teams", params(("id" = i64, Path)),
    request_body = SyncTeam, security(("bearer" = [])),
    responses((status = 200, description = "Who joined and who left", body = SyncPlan), WriteRefusals))]
pub async fn sync_team(
    Caller { state, actor }: Caller,
    ApiPath(id): ApiPath<TeamId>,
    ApiJson(body): ApiJson<SyncTeam>,
) -> ApiResult<SyncPlan> {
    if let Some(i) = body.members.iter().position(|m| m.contains(['\n', '\r'])) {
        return Err(helpdesk_app::AppError::invalid(&format!("members[{i}]"), "must be one line").into());
    }
    let which = match body.which {
        SyncWhich::Members => SyncedList::Members,
        SyncWhich::Alarmers => SyncedList::Alarmers,
    };
    Ok(Json(state.app.sync_team(&actor, id, &body.members.join("\n"), which).await?))
}
