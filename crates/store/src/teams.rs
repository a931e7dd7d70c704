//! Teams and their members (GGUS's TEAM and ALARM tickets). Supertraits of
//! [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::TeamId;
use helpdesk_domain::team::{Team, TeamMember};
use time::OffsetDateTime;

use crate::StoreResult;

/// The most teams a list shows.
pub const MOST_TEAMS: i64 = 1_000;

/// Reading teams.
#[async_trait]
pub trait TeamStore {
    /// Every team, by name (at most [`MOST_TEAMS`]).
    async fn teams(&self) -> StoreResult<Vec<Team>>;
    /// One team.
    async fn team(&self, id: TeamId) -> StoreResult<Option<Team>>;
    /// One team, by its name (any case).
    async fn team_by_name(&self, name: &str) -> StoreResult<Option<Team>>;
    /// A team's members, alarmers and managers first, then by identity.
    async fn team_members(&self, id: TeamId) -> StoreResult<Vec<TeamMember>>;
}

/// Changing teams, in a transaction.
#[async_trait]
pub trait TeamTx {
    /// A new team.
    async fn insert_team(&mut self, name: &str, email: &str, at: OffsetDateTime) -> StoreResult<Team>;
    /// Renames a team or changes its address.
    async fn update_team(&mut self, id: TeamId, name: &str, email: &str) -> StoreResult<()>;
    /// The team, locked against other writers until this transaction ends.
    async fn team_for_update(&mut self, id: TeamId) -> StoreResult<Option<Team>>;
    /// A team's members as this transaction sees them.
    async fn team_members_tx(&mut self, id: TeamId) -> StoreResult<Vec<TeamMember>>;
    /// Adds `member` or changes their flags.
    async fn put_team_member(&mut self, id: TeamId, member: &TeamMember) -> StoreResult<()>;
    /// Removes `member`; true when they were one.
    async fn delete_team_member(&mut self, id: TeamId, member: &str) -> StoreResult<bool>;
}
