//! The relations store, written once (its statements in `statements`) and instantiated for each
//! engine by `relations_sql!` (see `sql.rs` for why a macro).

macro_rules! relations_sql {
    (db: $db:ty $(,)?) => {
        use crate::relations::{RelationStore, RelationTx};
        use helpdesk_domain::relation::{Relation, RelationKind};

        /// A relation's row: id, kind, ticket_a, ticket_b, note, created_by, created_at.
        type RelationRow = (
            i64,
            String,
            helpdesk_domain::TicketId,
            helpdesk_domain::TicketId,
            String,
            Option<helpdesk_domain::AccountId>,
            crate::rows::Ts,
        );

        /// The row as seen from `ticket`. A row of kind `master` has the master in `ticket_a`, one
        /// of kind `parent` the parent.
        fn relation_of(row: RelationRow, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Relation> {
            let (id, kind, a, b, note, created_by, created_at) = row;
            let kind = match kind.as_str() {
                "reference" => RelationKind::Reference,
                "master" if a == ticket => RelationKind::Slave,
                "master" => RelationKind::Master,
                "parent" if a == ticket => RelationKind::Child,
                "parent" => RelationKind::Parent,
                other => return Err(crate::StoreError::Corrupt(format!("relation {id}: unknown kind '{other}'"))),
            };
            let other = if a == ticket { b } else { a };
            Ok(Relation { id, kind, ticket, other, note, created_by, created_at: created_at.0 })
        }

        /// The row of `r`: its stored kind, `ticket_a` and `ticket_b`.
        fn row_of(r: &Relation) -> (&'static str, helpdesk_domain::TicketId, helpdesk_domain::TicketId) {
            match r.kind {
                RelationKind::Reference if r.ticket < r.other => ("reference", r.ticket, r.other),
                RelationKind::Reference => ("reference", r.other, r.ticket),
                RelationKind::Master => ("master", r.other, r.ticket),
                RelationKind::Slave => ("master", r.ticket, r.other),
                RelationKind::Parent => ("parent", r.other, r.ticket),
                RelationKind::Child => ("parent", r.ticket, r.other),
            }
        }

        fn link_of((id, url, created_at): (i64, String, crate::rows::Ts)) -> helpdesk_domain::relation::TicketLink {
            let host = helpdesk_domain::relation::host_of(&url);
            helpdesk_domain::relation::TicketLink { id, url, host, created_at: created_at.0 }
        }

        fn limit_of(limit: usize) -> i64 {
            i64::try_from(limit).unwrap_or(i64::MAX)
        }

        /// The relations of `ticket` seen from it, through the pool or a transaction.
        async fn fetch_relations<'e, E: sqlx::Executor<'e, Database = $db>>(
            e: E,
            ticket: helpdesk_domain::TicketId,
            limit: usize,
        ) -> crate::StoreResult<Vec<Relation>> {
            let rows: Vec<RelationRow> = sqlx::query_as($crate::statements::relations::RELATIONS_OF_TICKET)
                .bind(ticket)
                .bind(limit_of(limit))
                .fetch_all(e)
                .await?;
            rows.into_iter().map(|row| relation_of(row, ticket)).collect()
        }

        /// The related links of `ticket`, through the pool or a transaction.
        async fn fetch_links<'e, E: sqlx::Executor<'e, Database = $db>>(
            e: E,
            ticket: helpdesk_domain::TicketId,
            limit: usize,
        ) -> crate::StoreResult<Vec<helpdesk_domain::relation::TicketLink>> {
            let rows: Vec<(i64, String, crate::rows::Ts)> =
                sqlx::query_as($crate::statements::relations::LINKS_OF_TICKET)
                    .bind(ticket)
                    .bind(limit_of(limit))
                    .fetch_all(e)
                    .await?;
            Ok(rows.into_iter().map(link_of).collect())
        }

        #[async_trait::async_trait]
        impl RelationStore for SqlStore {
            async fn relations_of(
                &self,
                ticket: helpdesk_domain::TicketId,
                limit: usize,
            ) -> crate::StoreResult<Vec<Relation>> {
                fetch_relations(&self.read, ticket, limit).await
            }

            async fn links_of(
                &self,
                ticket: helpdesk_domain::TicketId,
                limit: usize,
            ) -> crate::StoreResult<Vec<helpdesk_domain::relation::TicketLink>> {
                fetch_links(&self.read, ticket, limit).await
            }
        }

        #[async_trait::async_trait]
        impl RelationTx for SqlTx {
            async fn relations_of_in_tx(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                limit: usize,
            ) -> crate::StoreResult<Vec<Relation>> {
                fetch_relations(&mut *self.tx, ticket, limit).await
            }

            async fn insert_relation(&mut self, r: &Relation) -> crate::StoreResult<i64> {
                let (kind, a, b) = row_of(r);
                sqlx::query_scalar($crate::statements::relations::INSERT_RELATION)
                    .bind(kind)
                    .bind(a)
                    .bind(b)
                    .bind(&r.note)
                    .bind(r.created_by)
                    .bind(crate::rows::Ts::from(r.created_at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| match crate::StoreError::from(e) {
                        // The same pair twice, or a second master.
                        crate::StoreError::Duplicate(_) => {
                            crate::StoreError::Duplicate("a relation of this kind between these tickets".into())
                        }
                        other => other,
                    })
            }

            async fn delete_relation(
                &mut self,
                id: i64,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::relations::DELETE_RELATION)
                    .bind(id)
                    .bind(ticket)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn links_of_in_tx(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                limit: usize,
            ) -> crate::StoreResult<Vec<helpdesk_domain::relation::TicketLink>> {
                fetch_links(&mut *self.tx, ticket, limit).await
            }

            async fn insert_link(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                url: &str,
                by: Option<helpdesk_domain::AccountId>,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<helpdesk_domain::relation::TicketLink> {
                let id: i64 = sqlx::query_scalar($crate::statements::relations::INSERT_LINK)
                    .bind(ticket)
                    .bind(url)
                    .bind(by)
                    .bind(crate::rows::Ts::from(at))
                    .fetch_one(&mut *self.tx)
                    .await
                    .map_err(|e| match crate::StoreError::from(e) {
                        crate::StoreError::Duplicate(_) => {
                            crate::StoreError::Duplicate("this link on the ticket".into())
                        }
                        other => other,
                    })?;
                Ok(link_of((id, url.to_owned(), crate::rows::Ts::from(at))))
            }

            async fn delete_link(
                &mut self,
                id: i64,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Option<String>> {
                Ok(sqlx::query_scalar($crate::statements::relations::DELETE_LINK)
                    .bind(id)
                    .bind(ticket)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }
        }
    };
}

pub(crate) use relations_sql;
