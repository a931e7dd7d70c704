//! The sync store, written once (its statements in `statements`) and instantiated for each engine
//! by `sync_sql!` (see `sql.rs` for why a macro).

/// The columns of a link, in `LinkRow`'s order.
macro_rules! link_columns {
    () => {
        "ticket_id, unit_id, external_id, external_url, state, pending_since, last_error, attempts, due_at, \
         synced_at, version, remote_status, remote_priority, remote_status_at, remote_priority_at"
    };
}
pub(crate) use link_columns;

macro_rules! connector_columns {
    () => {
        "unit_id, settings, credentials, cursor, polled_at, poll_error, updated_at"
    };
}
pub(crate) use connector_columns;

macro_rules! sync_sql {
    (db: $db:ty, dialect: $dialect:ident $(,)?) => {
        use crate::sync::{ConnectorRecord, LinkRecord, SyncItem, SyncStore, SyncTx};

        #[async_trait::async_trait]
        impl SyncStore for SqlStore {
            async fn connector(&self, unit: helpdesk_domain::UnitId) -> crate::StoreResult<Option<ConnectorRecord>> {
                let row: Option<crate::rows::ConnectorRow> =
                    sqlx::query_as($crate::statements::sync::CONNECTOR).bind(unit).fetch_optional(&self.read).await?;
                row.map(ConnectorRecord::try_from).transpose()
            }

            async fn connectors(&self) -> crate::StoreResult<Vec<ConnectorRecord>> {
                let rows: Vec<crate::rows::ConnectorRow> =
                    sqlx::query_as($crate::statements::sync::CONNECTORS).fetch_all(&self.read).await?;
                crate::rows::convert(rows)
            }

            async fn external_link(&self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Option<LinkRecord>> {
                let row: Option<crate::rows::LinkRow> = sqlx::query_as($crate::statements::sync::EXTERNAL_LINK)
                    .bind(ticket)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(LinkRecord::try_from).transpose()
            }

            async fn ticket_of_external(
                &self,
                unit: helpdesk_domain::UnitId,
                external_id: &str,
            ) -> crate::StoreResult<Option<helpdesk_domain::TicketId>> {
                Ok(sqlx::query_scalar($crate::statements::sync::TICKET_OF_EXTERNAL)
                    .bind(unit)
                    .bind(external_id)
                    .fetch_optional(&self.read)
                    .await?)
            }

            async fn external_links(
                &self,
                unit: Option<helpdesk_domain::UnitId>,
                page: helpdesk_domain::paging::PageRequest,
            ) -> crate::StoreResult<helpdesk_domain::paging::Page<helpdesk_domain::connector::ExternalLink>> {
                let total: i64 = sqlx::query_scalar($crate::statements::sync::EXTERNAL_LINKS_COUNT)
                    .bind(unit)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<crate::rows::LinkRow> = sqlx::query_as($crate::statements::sync::EXTERNAL_LINKS_PAGE)
                    .bind(unit)
                    .bind(page.per_page)
                    .bind(page.offset())
                    .fetch_all(&self.read)
                    .await?;
                let links: Vec<LinkRecord> = crate::rows::convert(rows)?;
                Ok(helpdesk_domain::paging::Page::new(links.into_iter().map(|l| l.link).collect(), total, page))
            }

            async fn sync_items(
                &self,
                ticket: helpdesk_domain::TicketId,
                unit: helpdesk_domain::UnitId,
            ) -> crate::StoreResult<Vec<SyncItem>> {
                let rows: Vec<(String, String, String, bool)> = sqlx::query_as($crate::statements::sync::SYNC_ITEMS)
                    .bind(ticket)
                    .bind(unit)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kind, local_ref, remote_ref, inbound)| SyncItem { kind, local_ref, remote_ref, inbound })
                    .collect())
            }

            async fn last_change_here(
                &self,
                ticket: helpdesk_domain::TicketId,
                field: &str,
            ) -> crate::StoreResult<Option<time::OffsetDateTime>> {
                let at: Option<crate::rows::Ts> = sqlx::query_scalar($crate::statements::sync::LAST_CHANGE_HERE)
                    .bind(ticket)
                    .bind(field)
                    .fetch_optional(&self.read)
                    .await?;
                Ok(at.map(|t| t.0))
            }

            async fn held_links(
                &self,
                unit: helpdesk_domain::UnitId,
                pending_before: time::OffsetDateTime,
                after: helpdesk_domain::TicketId,
                limit: i64,
            ) -> crate::StoreResult<Vec<helpdesk_domain::TicketId>> {
                Ok(sqlx::query_scalar($crate::statements::sync::HELD_LINKS)
                    .bind(unit)
                    .bind(after)
                    .bind(crate::rows::Ts::from(pending_before))
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn claim_poll(
                &self,
                unit: helpdesk_domain::UnitId,
                worker: &str,
                now: time::OffsetDateTime,
                until: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                let mut w = single_write(self).await?;
                let done = sqlx::query($crate::statements::sync::CLAIM_POLL)
                    .bind(unit)
                    .bind(worker)
                    .bind(crate::rows::Ts::from(now))
                    .bind(crate::rows::Ts::from(until))
                    .execute(&mut *w)
                    .await?;
                end_single(w).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn has_due_links(&self, now: time::OffsetDateTime) -> crate::StoreResult<bool> {
                let due: Option<i64> = sqlx::query_scalar($crate::statements::sync::HAS_DUE_LINKS)
                    .bind(crate::rows::Ts::from(now))
                    .fetch_optional(&self.read)
                    .await?;
                Ok(due.is_some())
            }

            async fn claim_links(
                &self,
                worker: &str,
                now: time::OffsetDateTime,
                lease_until: time::OffsetDateTime,
                limit: i64,
            ) -> crate::StoreResult<Vec<(helpdesk_domain::TicketId, i64)>> {
                let mut w = single_write(self).await?;
                let mut rows: Vec<(helpdesk_domain::TicketId, i64)> =
                    sqlx::query_as($crate::statements::sync::CLAIM_LINKS.$dialect)
                        .bind(worker)
                        .bind(crate::rows::Ts::from(lease_until))
                        .bind(crate::rows::Ts::from(now))
                        .bind(limit)
                        .fetch_all(&mut *w)
                        .await?;
                end_single(w).await?;
                rows.sort();
                Ok(rows)
            }

            async fn finish_link(
                &self,
                ticket: helpdesk_domain::TicketId,
                worker: &str,
                version: i64,
                now: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                // A change made while the link was being synced leaves it due again at once.
                let mut w = single_write(self).await?;
                sqlx::query($crate::statements::sync::FINISH_LINK)
                    .bind(ticket)
                    .bind(worker)
                    .bind(version)
                    .bind(crate::rows::Ts::from(now))
                    .execute(&mut *w)
                    .await?;
                end_single(w).await?;
                Ok(())
            }

            async fn fail_link(
                &self,
                ticket: helpdesk_domain::TicketId,
                worker: &str,
                error: &str,
                retry_at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                let mut w = single_write(self).await?;
                sqlx::query($crate::statements::sync::FAIL_LINK)
                    .bind(ticket)
                    .bind(worker)
                    .bind(error)
                    .bind(crate::rows::Ts::from(retry_at))
                    .execute(&mut *w)
                    .await?;
                end_single(w).await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl SyncTx for SqlTx {
            async fn put_connector(
                &mut self,
                unit: helpdesk_domain::UnitId,
                settings: &helpdesk_domain::connector::ConnectorSettings,
                credentials: Option<&[u8]>,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                let settings = serde_json::to_string(settings)
                    .map_err(|e| crate::StoreError::Corrupt(format!("connector settings: {e}")))?;
                sqlx::query($crate::statements::sync::PUT_CONNECTOR)
                    .bind(unit)
                    .bind(settings)
                    .bind(credentials)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_cursor(
                &mut self,
                unit: helpdesk_domain::UnitId,
                cursor: Option<&str>,
                error: Option<&str>,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::sync::SET_CURSOR)
                    .bind(unit)
                    .bind(cursor)
                    .bind(error)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn external_link_for_update(
                &mut self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Option<LinkRecord>> {
                let row: Option<crate::rows::LinkRow> =
                    sqlx::query_as($crate::statements::sync::EXTERNAL_LINK_FOR_UPDATE.$dialect)
                        .bind(ticket)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                row.map(LinkRecord::try_from).transpose()
            }

            async fn set_external(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                unit: helpdesk_domain::UnitId,
                external_id: &str,
                external_url: &str,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::sync::SET_EXTERNAL)
                    .bind(ticket)
                    .bind(unit)
                    .bind(external_id)
                    .bind(external_url)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn mark_link_due(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::sync::MARK_LINK_DUE)
                    .bind(ticket)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn clear_cursor(&mut self, unit: helpdesk_domain::UnitId) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::sync::CLEAR_CURSOR).bind(unit).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn set_remote_state(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                status: Option<&str>,
                priority: Option<&str>,
                said_at: Option<time::OffsetDateTime>,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::sync::SET_REMOTE_STATE)
                    .bind(ticket)
                    .bind(status)
                    .bind(priority)
                    .bind(said_at.map(crate::rows::Ts::from))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_sync_item(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                unit: helpdesk_domain::UnitId,
                item: &SyncItem,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query($crate::statements::sync::INSERT_SYNC_ITEM)
                    .bind(ticket)
                    .bind(unit)
                    .bind(&item.kind)
                    .bind(&item.local_ref)
                    .bind(&item.remote_ref)
                    .bind(item.inbound)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn retry_links(
                &mut self,
                unit: Option<helpdesk_domain::UnitId>,
                ticket: Option<helpdesk_domain::TicketId>,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<u64> {
                let done = sqlx::query($crate::statements::sync::RETRY_LINKS)
                    .bind(unit)
                    .bind(ticket)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn use_nonce(
                &mut self,
                nonce: &str,
                at: time::OffsetDateTime,
                forget_before: time::OffsetDateTime,
            ) -> crate::StoreResult<bool> {
                sqlx::query($crate::statements::sync::USE_NONCE_DELETE_WEBHOOK_NONCES)
                    .bind(crate::rows::Ts::from(forget_before))
                    .execute(&mut *self.tx)
                    .await?;
                let done = sqlx::query($crate::statements::sync::USE_NONCE_INSERT_WEBHOOK_NONCES)
                    .bind(nonce)
                    .bind(crate::rows::Ts::from(at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use sync_sql;
