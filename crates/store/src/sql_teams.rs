//! The teams store, written once (its statements in `statements`) and instantiated for each
//! engine by `teams_sql!` (see `sql.rs` for why a macro).

macro_rules! teams_sql {
    (db: $db:ty, postgres: $postgres:expr $(,)?) => {
        use crate::teams::{MOST_TEAMS, TeamStore, TeamTx};
        use helpdesk_domain::team::{Team, TeamMember};

        /// A team's row: id, name, email, created_at, members, alarmers.
        type TeamRow = (helpdesk_domain::TeamId, String, String, crate::rows::Ts, i64, i64);

        fn team_of((id, name, email, created_at, members, alarmers): TeamRow) -> Team {
            Team { id, name, email, members, alarmers, created_at: created_at.0 }
        }

        fn member_of((member, alarmer, manager): (String, bool, bool)) -> TeamMember {
            TeamMember { member, alarmer, manager }
        }

        #[async_trait::async_trait]
        impl TeamStore for SqlStore {
            async fn teams(&self) -> crate::StoreResult<Vec<Team>> {
                let rows: Vec<TeamRow> =
                    sqlx::query_as($crate::statements::teams::TEAMS).bind(MOST_TEAMS).fetch_all(&self.read).await?;
                Ok(rows.into_iter().map(team_of).collect())
            }

            async fn team(&self, id: helpdesk_domain::TeamId) -> crate::StoreResult<Option<Team>> {
                let row: Option<TeamRow> =
                    sqlx::query_as($crate::statements::teams::TEAM).bind(id).fetch_optional(&self.read).await?;
                Ok(row.map(team_of))
            }

            async fn team_by_name(&self, name: &str) -> crate::StoreResult<Option<Team>> {
                let row: Option<TeamRow> = sqlx::query_as($crate::statements::teams::TEAM_BY_NAME)
                    .bind(name)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.map(team_of))
            }

            async fn team_members(&self, id: helpdesk_domain::TeamId) -> crate::StoreResult<Vec<TeamMember>> {
                let rows: Vec<(String, bool, bool)> =
                    sqlx::query_as($crate::statements::teams::TEAM_MEMBERS).bind(id).fetch_all(&self.read).await?;
                Ok(rows.into_iter().map(member_of).collect())
            }
        }

        #[async_trait::async_trait]
        impl TeamTx for SqlTx {
            async fn insert_team(
                &mut self,
                name: &str,
                email: &str,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<Team> {
                let id: helpdesk_domain::TeamId = sqlx::query_scalar($crate::statements::teams::INSERT_TEAM)
                    .bind(name)
                    .bind(email)
                    .bind(crate::rows::Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a team with this name"))?;
                Ok(Team { id, name: name.to_owned(), email: email.to_owned(), members: 0, alarmers: 0, created_at: at })
            }

            async fn update_team(
                &mut self,
                id: helpdesk_domain::TeamId,
                name: &str,
                email: &str,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::teams::UPDATE_TEAM)
                    .bind(id)
                    .bind(name)
                    .bind(email)
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| named_duplicate(e, "a team with this name"))?;
                Ok(())
            }

            async fn team_for_update(&mut self, id: helpdesk_domain::TeamId) -> crate::StoreResult<Option<Team>> {
                let statement = if $postgres {
                    $crate::statements::teams::TEAM_FOR_UPDATE.postgres
                } else {
                    $crate::statements::teams::TEAM_FOR_UPDATE.sqlite
                };
                let row: Option<TeamRow> = sqlx::query_as(statement).bind(id).fetch_optional(&mut *self.tx).await?;
                Ok(row.map(team_of))
            }

            async fn team_members_tx(&mut self, id: helpdesk_domain::TeamId) -> crate::StoreResult<Vec<TeamMember>> {
                let rows: Vec<(String, bool, bool)> =
                    sqlx::query_as($crate::statements::teams::TEAM_MEMBERS).bind(id).fetch_all(&mut *self.tx).await?;
                Ok(rows.into_iter().map(member_of).collect())
            }

            async fn put_team_member(
                &mut self,
                id: helpdesk_domain::TeamId,
                member: &TeamMember,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::teams::PUT_TEAM_MEMBER)
                    .bind(id)
                    .bind(&member.member)
                    .bind(member.alarmer)
                    .bind(member.manager)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn delete_team_member(
                &mut self,
                id: helpdesk_domain::TeamId,
                member: &str,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::teams::DELETE_TEAM_MEMBER)
                    .bind(id)
                    .bind(member)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

pub(crate) use teams_sql;
