//! The clocks store, written once (its statements in `statements`) and instantiated for each
//! engine by `clocks_sql!` (see `sql.rs` for why a macro).

macro_rules! clocks_sql {
    (db: $db:ty $(,)?) => {
        use crate::clocks::{Clock, ClockPause, ClockStore, ClockTx};

        /// A clock's row, in the order of `clock_columns!`.
        type ClockRow = (
            i64,
            helpdesk_domain::TicketId,
            String,
            helpdesk_domain::UnitId,
            String,
            i64,
            i64,
            crate::rows::Ts,
            Option<crate::rows::Ts>,
            Option<crate::rows::Ts>,
            Option<crate::rows::Ts>,
            Option<crate::rows::Ts>,
            Option<crate::rows::Ts>,
            Option<crate::rows::Ts>,
            i64,
            i64,
        );

        fn clock_of(row: ClockRow) -> crate::StoreResult<Clock> {
            let (id, ticket, kind, unit, target, budget_secs, used_secs, started_at, running_since, next_at, due_at) =
                (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10);
            let (met_at, breached_at, ended_at, steps, escalation) = (row.11, row.12, row.13, row.14, row.15);
            let kind = kind.parse().map_err(|e| crate::StoreError::Corrupt(format!("sla_clocks.kind: {e}")))?;
            let at = |t: Option<crate::rows::Ts>| t.map(|t| t.0);
            Ok(Clock {
                id,
                ticket,
                kind,
                unit,
                target,
                budget_secs,
                used_secs,
                started_at: started_at.0,
                running_since: at(running_since),
                moments: helpdesk_domain::clock::ClockMoments {
                    due_at: at(due_at),
                    next_at: at(next_at),
                    steps,
                    met_at: at(met_at),
                    breached_at: at(breached_at),
                    ended_at: at(ended_at),
                },
                escalation,
            })
        }

        fn ts(at: Option<time::OffsetDateTime>) -> Option<crate::rows::Ts> {
            at.map(crate::rows::Ts::from)
        }

        /// Appends an insert of `clocks`, one row each, to `qb`; with `ticket_sql`, their ticket
        /// is that SQL expression (a ticket stored in the same command) rather than their own.
        fn push_clocks(qb: &mut sqlx::QueryBuilder<$db>, ticket_sql: Option<&str>, clocks: &[Clock]) {
            qb.push($crate::statements::clocks::clock_insert!());
            qb.push_values(clocks, |mut row, clock| {
                let m = &clock.moments;
                match ticket_sql {
                    Some(sql) => row.push(sql),
                    None => row.push_bind(clock.ticket),
                };
                row.push_bind(clock.kind.as_str())
                    .push_bind(clock.unit)
                    .push_bind(clock.target.clone())
                    .push_bind(clock.budget_secs)
                    .push_bind(clock.used_secs)
                    .push_bind(crate::rows::Ts::from(clock.started_at))
                    .push_bind(ts(clock.running_since))
                    .push_bind(ts(m.next_at))
                    .push_bind(ts(m.due_at))
                    .push_bind(ts(m.met_at))
                    .push_bind(ts(m.breached_at))
                    .push_bind(ts(m.ended_at))
                    .push_bind(m.steps)
                    .push_bind(clock.escalation);
            });
        }

        /// The condition on an open clock `c` late as `late` is at `at`, after its other
        /// conditions: lists filter tickets by it, and searches take the tickets it finds.
        fn push_late(qb: &mut sqlx::QueryBuilder<$db>, late: helpdesk_domain::listing::Lateness, at: crate::rows::Ts) {
            match late {
                helpdesk_domain::listing::Lateness::Warning => {
                    // Warned already, or its first step (the warning) due.
                    qb.push(" AND c.breached_at IS NULL AND c.due_at > ").push_bind(at);
                    qb.push(" AND (c.steps > 0 OR c.next_at <= ").push_bind(at).push(")");
                }
                helpdesk_domain::listing::Lateness::Breached => {
                    qb.push(" AND (c.breached_at IS NOT NULL OR c.due_at <= ").push_bind(at).push(")");
                }
            }
        }

        #[async_trait::async_trait]
        impl ClockStore for SqlStore {
            async fn late_tickets(
                &self,
                late: helpdesk_domain::listing::Lateness,
                at: time::OffsetDateTime,
                limit: usize,
            ) -> crate::StoreResult<Vec<helpdesk_domain::TicketId>> {
                // Open clocks only: the partial index on them holds at most two per open ticket.
                let mut qb = sqlx::QueryBuilder::<$db>::new(
                    "SELECT DISTINCT c.ticket_id FROM sla_clocks c WHERE c.ended_at IS NULL",
                );
                push_late(&mut qb, late, crate::rows::Ts::from(at));
                qb.push(" ORDER BY c.ticket_id LIMIT ").push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
                Ok(qb.build_query_scalar().fetch_all(&self.read).await?)
            }

            async fn clocks_of(&self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Vec<Clock>> {
                let rows: Vec<ClockRow> = sqlx::query_as($crate::statements::clocks::CLOCKS_OF_TICKET)
                    .bind(ticket)
                    .fetch_all(&self.read)
                    .await?;
                rows.into_iter().map(clock_of).collect()
            }

            async fn latest_clocks(&self, tickets: &[helpdesk_domain::TicketId]) -> crate::StoreResult<Vec<Clock>> {
                if tickets.is_empty() {
                    return Ok(Vec::new());
                }
                // The latest run of each clock of each ticket listed.
                let mut qb = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    $crate::statements::clocks::clock_columns!(),
                    " FROM sla_clocks c WHERE id = (SELECT max(id) FROM sla_clocks d WHERE d.ticket_id = \
                     c.ticket_id AND d.kind = c.kind) AND ticket_id IN ("
                ));
                let mut list = qb.separated(", ");
                for ticket in tickets.iter().take(500) {
                    list.push_bind(*ticket);
                }
                qb.push(") ORDER BY ticket_id, kind");
                let rows: Vec<ClockRow> = qb.build_query_as().fetch_all(&self.read).await?;
                rows.into_iter().map(clock_of).collect()
            }

            async fn clock_pauses(&self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Vec<ClockPause>> {
                let rows: Vec<(i64, crate::rows::Ts, Option<crate::rows::Ts>)> =
                    sqlx::query_as($crate::statements::clocks::PAUSES_OF_TICKET)
                        .bind(ticket)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(clock, started_at, ended_at)| ClockPause {
                        clock,
                        started_at: started_at.0,
                        ended_at: ended_at.map(|t| t.0),
                    })
                    .collect())
            }
        }

        #[async_trait::async_trait]
        impl ClockTx for SqlTx {
            async fn open_clocks(&mut self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Vec<Clock>> {
                let rows: Vec<ClockRow> = sqlx::query_as($crate::statements::clocks::OPEN_CLOCKS)
                    .bind(ticket)
                    .fetch_all(&mut *self.tx)
                    .await?;
                rows.into_iter().map(clock_of).collect()
            }

            async fn open_clocks_under(&mut self, scope: crate::clocks::ClockScope) -> crate::StoreResult<Vec<Clock>> {
                use crate::clocks::ClockScope;
                let (sql, id) = match scope {
                    ClockScope::Unit(unit) => ($crate::statements::clocks::OPEN_CLOCKS_OF_UNIT, unit.get()),
                    ClockScope::Level(level) => ($crate::statements::clocks::OPEN_CLOCKS_ON_LEVEL, level.get()),
                    ClockScope::Calendar(calendar) => {
                        ($crate::statements::clocks::OPEN_CLOCKS_ON_CALENDAR, calendar.get())
                    }
                };
                let rows: Vec<ClockRow> = sqlx::query_as(sql).bind(id).fetch_all(&mut *self.tx).await?;
                rows.into_iter().map(clock_of).collect()
            }

            async fn insert_clock(&mut self, clock: &Clock) -> crate::StoreResult<i64> {
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                push_clocks(&mut qb, None, std::slice::from_ref(clock));
                qb.push(" RETURNING id");
                let (id,): (i64,) = qb.build_query_as().fetch_one(&mut *self.tx).await?;
                Ok(id)
            }

            async fn insert_clocks(&mut self, clocks: &[Clock]) -> crate::StoreResult<()> {
                if !clocks.is_empty() {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    push_clocks(&mut qb, None, clocks);
                    qb.build().execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn save_clock(&mut self, clock: &Clock) -> crate::StoreResult<()> {
                let m = &clock.moments;
                sqlx::query($crate::statements::clocks::SAVE_CLOCK)
                    .bind(clock.id)
                    .bind(clock.unit)
                    .bind(&clock.target)
                    .bind(clock.budget_secs)
                    .bind(clock.used_secs)
                    .bind(ts(clock.running_since))
                    .bind(ts(m.next_at))
                    .bind(ts(m.due_at))
                    .bind(ts(m.met_at))
                    .bind(ts(m.breached_at))
                    .bind(ts(m.ended_at))
                    .bind(m.steps)
                    .bind(clock.escalation)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn start_pause(&mut self, clock: i64, at: time::OffsetDateTime) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::clocks::START_PAUSE)
                    .bind(clock)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn end_pause(&mut self, clock: i64, at: time::OffsetDateTime) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::clocks::END_PAUSE)
                    .bind(clock)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }
        }
    };
}
pub(crate) use clocks_sql;
