//! The search index's store, written once (its statements in `statements`) and instantiated for
//! each engine by `search_sql!` (see `sql.rs` for why a macro). Only the change log's reading
//! differs between the engines.

macro_rules! search_sql {
    (db: $db:ty, txids: $txids:literal $(,)?) => {
        use crate::search::{ChangeCursor, Changes, SearchDocument, SearchSource};

        #[async_trait::async_trait]
        impl SearchSource for SqlStore {
            async fn ticket_changes(&self, after: ChangeCursor, limit: i64) -> crate::StoreResult<Changes> {
                let limit = limit.max(1);
                if $txids {
                    // Every transaction below the snapshot's xmin has ended: the cursor may pass
                    // their entries. Later ones that have committed are read too, but again and
                    // again until the cursor passes them, for an older one may still commit.
                    let horizon: i64 = sqlx::query_scalar($crate::statements::search::OLDEST_OPEN_TRANSACTION)
                        .fetch_one(&self.read)
                        .await?;
                    let rows: Vec<(i64, i64, TicketId)> =
                        sqlx::query_as($crate::statements::search::TICKET_CHANGES_BY_TRANSACTION)
                            .bind(after.txid)
                            .bind(after.entry)
                            .bind(limit)
                            .fetch_all(&self.read)
                            .await?;
                    let entries: Vec<_> =
                        rows.into_iter().map(|(txid, entry, ticket)| (ChangeCursor { txid, entry }, ticket)).collect();
                    let safe = ChangeCursor { txid: horizon, entry: 0 }.max(after);
                    Ok(match entries.last() {
                        Some((last, _)) if entries.len() as i64 == limit && *last < safe => {
                            Changes { next: *last, more: true, entries }
                        }
                        _ => Changes { next: safe, more: false, entries },
                    })
                } else {
                    // One writer: entries become visible in the order of their ids.
                    let rows: Vec<(i64, TicketId)> =
                        sqlx::query_as($crate::statements::search::TICKET_CHANGES_IN_ORDER)
                            .bind(after.entry)
                            .bind(limit)
                            .fetch_all(&self.read)
                            .await?;
                    let more = rows.len() as i64 == limit;
                    let entries: Vec<_> =
                        rows.into_iter().map(|(entry, ticket)| (ChangeCursor { txid: 0, entry }, ticket)).collect();
                    let next = entries.last().map(|(at, _)| *at).unwrap_or(after);
                    Ok(Changes { entries, next, more })
                }
            }

            async fn change_horizon(&self) -> crate::StoreResult<ChangeCursor> {
                if $txids {
                    let horizon: i64 = sqlx::query_scalar($crate::statements::search::OLDEST_OPEN_TRANSACTION)
                        .fetch_one(&self.read)
                        .await?;
                    Ok(ChangeCursor { txid: horizon, entry: 0 })
                } else {
                    let last: Option<i64> =
                        sqlx::query_scalar($crate::statements::search::CHANGE_HORIZON).fetch_one(&self.read).await?;
                    Ok(ChangeCursor { txid: 0, entry: last.unwrap_or(0) })
                }
            }

            async fn search_documents(
                &self,
                ids: &[helpdesk_domain::TicketId],
            ) -> crate::StoreResult<Vec<SearchDocument>> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // `SELECT ... WHERE column IN (ids) ORDER BY order`.
                fn among(select: &str, ids: &[helpdesk_domain::TicketId], order: &str) -> sqlx::QueryBuilder<$db> {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(select);
                    let mut list = qb.separated(", ");
                    for id in ids {
                        list.push_bind(*id);
                    }
                    qb.push(") ORDER BY ").push(order);
                    qb
                }
                let mut qb =
                    among(concat!("SELECT ", $crate::sql::ticket_columns!(), " FROM tickets WHERE id IN ("), ids, "id");
                let tickets: Vec<crate::rows::TicketRow> = qb.build_query_as().fetch_all(&self.read).await?;
                let tickets: Vec<helpdesk_domain::ticket::Ticket> = crate::rows::convert(tickets)?;
                let mut qb = among(
                    concat!("SELECT ", $crate::sql::article_columns!(), " FROM articles WHERE ticket_id IN ("),
                    ids,
                    "ticket_id, id",
                );
                let articles: Vec<crate::rows::ArticleRow> = qb.build_query_as().fetch_all(&self.read).await?;
                let articles: Vec<helpdesk_domain::ticket::Article> = crate::rows::convert(articles)?;
                let mut by_ticket: std::collections::HashMap<helpdesk_domain::TicketId, Vec<_>> =
                    std::collections::HashMap::new();
                for article in articles {
                    by_ticket.entry(article.ticket).or_default().push(article);
                }
                Ok(tickets
                    .into_iter()
                    .map(|ticket| {
                        let articles = by_ticket.remove(&ticket.id).unwrap_or_default();
                        SearchDocument { ticket, articles }
                    })
                    .collect())
            }

            async fn ticket_count(&self) -> crate::StoreResult<i64> {
                Ok(sqlx::query_scalar($crate::statements::search::TICKET_COUNT).fetch_one(&self.read).await?)
            }

            async fn ticket_ids_after(
                &self,
                after: helpdesk_domain::TicketId,
                limit: i64,
            ) -> crate::StoreResult<Vec<helpdesk_domain::TicketId>> {
                Ok(sqlx::query_scalar($crate::statements::search::TICKET_IDS_AFTER)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
            }
        }
    };
}

pub(crate) use search_sql;
