//! The followers store, written once (its statements in `statements`) and instantiated for each
//! engine by `followers_sql!` (see `sql.rs` for why a macro).

macro_rules! followers_sql {
    (db: $db:ty $(,)?) => {
        use crate::followers::{FollowerStore, FollowerTx, MOST_FOLLOWERS};

        #[async_trait::async_trait]
        impl FollowerStore for SqlStore {
            async fn followers(
                &self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Vec<helpdesk_domain::AccountId>> {
                Ok(sqlx::query_scalar($crate::statements::followers::FOLLOWERS)
                    .bind(ticket)
                    .bind(MOST_FOLLOWERS as i64)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn follows(
                &self,
                ticket: helpdesk_domain::TicketId,
                account: helpdesk_domain::AccountId,
            ) -> crate::StoreResult<bool> {
                let found: Option<i32> = sqlx::query_scalar($crate::statements::followers::FOLLOWS)
                    .bind(ticket)
                    .bind(account)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(found.is_some())
            }

            async fn requester_mode(
                &self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Option<helpdesk_domain::account::RequesterMode>> {
                let mode: Option<String> = sqlx::query_scalar($crate::statements::followers::REQUESTER_MODE)
                    .bind(ticket)
                    .fetch_optional(&self.read)
                    .await?;
                mode.map(|m| m.parse().map_err(|e| crate::StoreError::Corrupt(format!("requester mode: {e}"))))
                    .transpose()
            }

            async fn seen_at(
                &self,
                account: helpdesk_domain::AccountId,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<(Option<time::OffsetDateTime>, Option<time::OffsetDateTime>)> {
                let (seen, changed): (Option<crate::rows::Ts>, Option<crate::rows::Ts>) =
                    sqlx::query_as($crate::statements::followers::SEEN_AT)
                        .bind(account)
                        .bind(ticket)
                        .fetch_one(&self.read)
                        .await?;
                Ok((seen.map(|t| t.0), changed.map(|t| t.0)))
            }

            async fn unread(
                &self,
                account: helpdesk_domain::AccountId,
                limit: i64,
            ) -> crate::StoreResult<Vec<helpdesk_domain::history::Alert>> {
                type Row = (
                    helpdesk_domain::TicketId,
                    String,
                    String,
                    sqlx::types::Json<serde_json::Value>,
                    crate::rows::Ts,
                    Option<helpdesk_domain::AccountId>,
                );
                let rows: Vec<Row> = sqlx::query_as($crate::statements::followers::UNREAD)
                    .bind(account)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(ticket, title, field, new, at, actor)| helpdesk_domain::history::Alert {
                        ticket,
                        title,
                        field,
                        new: new.0,
                        at: at.0,
                        actor,
                    })
                    .collect())
            }

            async fn involved(
                &self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Vec<helpdesk_domain::AccountId>> {
                Ok(sqlx::query_scalar($crate::statements::followers::INVOLVED)
                    .bind(ticket)
                    .bind(MOST_FOLLOWERS as i64)
                    .fetch_all(&self.read)
                    .await?)
            }
        }

        #[async_trait::async_trait]
        impl FollowerTx for SqlTx {
            async fn follow(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                account: helpdesk_domain::AccountId,
                since: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::followers::FOLLOW)
                    .bind(ticket)
                    .bind(account)
                    .bind(crate::rows::Ts::from(since))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn unfollow(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                account: helpdesk_domain::AccountId,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::followers::UNFOLLOW)
                    .bind(ticket)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_requester_mode(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                mode: helpdesk_domain::account::RequesterMode,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::followers::SET_REQUESTER_MODE)
                    .bind(ticket)
                    .bind(mode.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn involve(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                account: helpdesk_domain::AccountId,
                by: Option<helpdesk_domain::AccountId>,
                since: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::followers::INVOLVE)
                    .bind(ticket)
                    .bind(account)
                    .bind(by)
                    .bind(crate::rows::Ts::from(since))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn uninvolve(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                account: helpdesk_domain::AccountId,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::followers::UNINVOLVE)
                    .bind(ticket)
                    .bind(account)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn mark_seen(
                &mut self,
                account: helpdesk_domain::AccountId,
                ticket: helpdesk_domain::TicketId,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::followers::MARK_SEEN)
                    .bind(account)
                    .bind(ticket)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn involved_in_tx(
                &mut self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Vec<helpdesk_domain::AccountId>> {
                Ok(sqlx::query_scalar($crate::statements::followers::INVOLVED)
                    .bind(ticket)
                    .bind(MOST_FOLLOWERS as i64)
                    .fetch_all(&mut *self.tx)
                    .await?)
            }
        }
    };
}

pub(crate) use followers_sql;
