//! The timers store, written once (its statements in `statements`) and instantiated for each
//! engine by `timers_sql!` (see `sql.rs` for why a macro).

macro_rules! timers_sql {
    (db: $db:ty $(,)?) => {
        use crate::timers::{Timer, TimerStore, TimerTx};

        /// A timer's row.
        type TimerRow = (helpdesk_domain::TicketId, String, crate::rows::Ts, i64);

        fn timer_of(row: TimerRow) -> crate::StoreResult<Timer> {
            let (ticket, kind, due_at, stage) = row;
            let kind = kind.parse().map_err(|e| crate::StoreError::Corrupt(format!("ticket_timers.kind: {e}")))?;
            Ok(Timer { ticket, kind, due_at: due_at.0, stage })
        }

        #[async_trait::async_trait]
        impl TimerStore for SqlStore {
            async fn due_timers(&self, now: time::OffsetDateTime, limit: i64) -> crate::StoreResult<Vec<Timer>> {
                let rows: Vec<TimerRow> = sqlx::query_as($crate::statements::timers::DUE_TIMERS)
                    .bind(crate::rows::Ts::from(now))
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?;
                rows.into_iter().map(timer_of).collect()
            }

            async fn timers_of(&self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Vec<Timer>> {
                let rows: Vec<TimerRow> = sqlx::query_as($crate::statements::timers::TIMERS_OF_TICKET)
                    .bind(ticket)
                    .fetch_all(&self.read)
                    .await?;
                rows.into_iter().map(timer_of).collect()
            }

            async fn claim_lease(
                &self,
                name: &str,
                holder: &str,
                now: time::OffsetDateTime,
                until: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                let mut w = single_write(self).await?;
                let done = sqlx::query($crate::statements::timers::CLAIM_LEASE)
                    .bind(name)
                    .bind(holder)
                    .bind(crate::rows::Ts::from(now))
                    .bind(crate::rows::Ts::from(until))
                    .execute(&mut *w)
                    .await?;
                end_single(w).await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait::async_trait]
        impl TimerTx for SqlTx {
            async fn set_timer(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                kind: helpdesk_domain::timer::TimerKind,
                due_at: time::OffsetDateTime,
                stage: i64,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::timers::SET_TIMER)
                    .bind(ticket)
                    .bind(kind.as_str())
                    .bind(crate::rows::Ts::from(due_at))
                    .bind(stage)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn clear_timer(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                kind: helpdesk_domain::timer::TimerKind,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::timers::CLEAR_TIMER)
                    .bind(ticket)
                    .bind(kind.as_str())
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn take_timer(&mut self, timer: &Timer) -> crate::StoreResult<bool> {
                // A clock's next step is kept on the clock.
                let take = match timer.kind.clock() {
                    Some(_) => $crate::statements::clocks::TAKE_CLOCK_STEP,
                    None => $crate::statements::timers::TAKE_TIMER,
                };
                let done = sqlx::query(take)
                    .bind(timer.ticket)
                    .bind(timer.kind.as_str())
                    .bind(crate::rows::Ts::from(timer.due_at))
                    .bind(timer.stage)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use timers_sql;
