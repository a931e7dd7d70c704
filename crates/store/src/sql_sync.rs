//! The sync SQL, written once and instantiated for each engine by `sync_sql!` (see `sql.rs` for
//! why a macro).

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
    (db: $db:ty, for_update: $for_update:literal, skip_locked: $skip_locked:literal $(,)?) => {
        use crate::sync::{ConnectorRecord, LinkRecord, SyncItem, SyncStore, SyncTx};

        #[async_trait::async_trait]
        impl SyncStore for SqlStore {
            async fn connector(&self, unit: helpdesk_domain::UnitId) -> crate::StoreResult<Option<ConnectorRecord>> {
                let row: Option<crate::rows::ConnectorRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql_sync::connector_columns!(),
                    " FROM connectors WHERE unit_id = $1"
                ))
                .bind(unit)
                .fetch_optional(&self.read)
                .await?;
                row.map(ConnectorRecord::try_from).transpose()
            }

            async fn connectors(&self) -> crate::StoreResult<Vec<ConnectorRecord>> {
                let rows: Vec<crate::rows::ConnectorRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql_sync::connector_columns!(),
                    " FROM connectors ORDER BY unit_id"
                ))
                .fetch_all(&self.read)
                .await?;
                crate::rows::convert(rows)
            }

            async fn external_link(&self, ticket: helpdesk_domain::TicketId) -> crate::StoreResult<Option<LinkRecord>> {
                let row: Option<crate::rows::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql_sync::link_columns!(),
                    " FROM external_links WHERE ticket_id = $1"
                ))
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
                Ok(sqlx::query_scalar("SELECT ticket_id FROM external_links WHERE unit_id = $1 AND external_id = $2")
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
                let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM external_links WHERE ($1 IS NULL OR unit_id = $1)")
                    .bind(unit)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<crate::rows::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql_sync::link_columns!(),
                    " FROM external_links WHERE ($1 IS NULL OR unit_id = $1) \
                     ORDER BY CASE state WHEN 'failing' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, \
                     pending_since, synced_at DESC, ticket_id DESC LIMIT $2 OFFSET $3"
                ))
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
                let rows: Vec<(String, String, String, bool)> = sqlx::query_as(
                    "SELECT kind, local_ref, remote_ref, inbound FROM sync_items WHERE ticket_id = $1 AND unit_id = $2",
                )
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
                let at: Option<crate::rows::Ts> = sqlx::query_scalar(
                    "SELECT at FROM ticket_history WHERE ticket_id = $1 AND field = $2 AND actor_id IS NOT NULL \
                     ORDER BY id DESC LIMIT 1",
                )
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
                Ok(sqlx::query_scalar(
                    "SELECT ticket_id FROM external_links WHERE unit_id = $1 AND ticket_id > $2 \
                     AND state <> 'in_step' AND (state = 'failing' OR pending_since <= $3) \
                     ORDER BY ticket_id LIMIT $4",
                )
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
                let done = sqlx::query(
                    "UPDATE connectors SET poll_locked_by = $2, poll_locked_until = $4 WHERE unit_id = $1 \
                     AND (poll_locked_until IS NULL OR poll_locked_until < $3 OR poll_locked_by = $2)",
                )
                .bind(unit)
                .bind(worker)
                .bind(crate::rows::Ts::from(now))
                .bind(crate::rows::Ts::from(until))
                .execute(&self.write)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn has_due_links(&self, now: time::OffsetDateTime) -> crate::StoreResult<bool> {
                let due: Option<i64> =
                    sqlx::query_scalar("SELECT ticket_id FROM external_links WHERE due_at <= $1 LIMIT 1")
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
                let mut rows: Vec<(i64, i64)> = sqlx::query_as(concat!(
                    "UPDATE external_links SET locked_by = $1, locked_until = $2 ",
                    "WHERE ticket_id IN (SELECT ticket_id FROM external_links WHERE due_at <= $3 ",
                    "AND (locked_until IS NULL OR locked_until < $3) ORDER BY due_at LIMIT $4",
                    $skip_locked,
                    ") RETURNING ticket_id, version"
                ))
                .bind(worker)
                .bind(crate::rows::Ts::from(lease_until))
                .bind(crate::rows::Ts::from(now))
                .bind(limit)
                .fetch_all(&self.write)
                .await?;
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
                sqlx::query(
                    "UPDATE external_links SET locked_by = NULL, locked_until = NULL, attempts = 0, last_error = NULL, \
                     synced_version = $3, synced_at = $4, \
                     state = CASE WHEN version = $3 THEN 'in_step' ELSE 'pending' END, \
                     pending_since = CASE WHEN version = $3 THEN NULL ELSE pending_since END, \
                     due_at = CASE WHEN version = $3 THEN NULL ELSE $4 END \
                     WHERE ticket_id = $1 AND locked_by = $2",
                )
                .bind(ticket)
                .bind(worker)
                .bind(version)
                .bind(crate::rows::Ts::from(now))
                .execute(&self.write)
                .await?;
                Ok(())
            }

            async fn fail_link(
                &self,
                ticket: helpdesk_domain::TicketId,
                worker: &str,
                error: &str,
                retry_at: time::OffsetDateTime,
            ) -> crate::StoreResult<()> {
                sqlx::query(
                    "UPDATE external_links SET locked_by = NULL, locked_until = NULL, attempts = attempts + 1, \
                     last_error = $3, state = 'failing', due_at = $4 WHERE ticket_id = $1 AND locked_by = $2",
                )
                .bind(ticket)
                .bind(worker)
                .bind(error)
                .bind(crate::rows::Ts::from(retry_at))
                .execute(&self.write)
                .await?;
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
                sqlx::query(
                    "INSERT INTO connectors (unit_id, settings, credentials, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (unit_id) DO UPDATE SET settings = excluded.settings, \
                     credentials = COALESCE(excluded.credentials, connectors.credentials), updated_at = excluded.updated_at",
                )
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
                sqlx::query(
                    "UPDATE connectors SET cursor = COALESCE($2, cursor), poll_error = $3, polled_at = $4 WHERE unit_id = $1",
                )
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
                let row: Option<crate::rows::LinkRow> = sqlx::query_as(concat!(
                    "SELECT ",
                    $crate::sql_sync::link_columns!(),
                    " FROM external_links WHERE ticket_id = $1",
                    $for_update
                ))
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
                sqlx::query(
                    "INSERT INTO external_links (ticket_id, unit_id, external_id, external_url, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO UPDATE SET \
                     external_id = excluded.external_id, external_url = excluded.external_url \
                     WHERE external_links.unit_id = excluded.unit_id AND external_links.external_id IS NULL",
                )
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
                sqlx::query(
                    "UPDATE external_links SET version = version + 1, \
                     state = CASE WHEN state = 'in_step' THEN 'pending' ELSE state END, \
                     pending_since = COALESCE(pending_since, $2), \
                     due_at = CASE WHEN state = 'failing' THEN due_at ELSE $2 END WHERE ticket_id = $1",
                )
                .bind(ticket)
                .bind(crate::rows::Ts::from(at))
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn clear_cursor(&mut self, unit: helpdesk_domain::UnitId) -> crate::StoreResult<()> {
                sqlx::query("UPDATE connectors SET cursor = NULL, poll_error = NULL WHERE unit_id = $1")
                    .bind(unit)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn set_remote_state(
                &mut self,
                ticket: helpdesk_domain::TicketId,
                status: Option<&str>,
                priority: Option<&str>,
                said_at: Option<time::OffsetDateTime>,
            ) -> crate::StoreResult<()> {
                sqlx::query(
                    "UPDATE external_links SET remote_status = COALESCE($2, remote_status), \
                     remote_priority = COALESCE($3, remote_priority), \
                     remote_status_at = CASE WHEN $2 IS NULL OR $4 IS NULL THEN remote_status_at ELSE $4 END, \
                     remote_priority_at = CASE WHEN $3 IS NULL OR $4 IS NULL THEN remote_priority_at ELSE $4 END \
                     WHERE ticket_id = $1",
                )
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
                let done = sqlx::query(
                    "INSERT INTO sync_items (ticket_id, unit_id, kind, local_ref, remote_ref, inbound, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                )
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
                let done = sqlx::query(
                    "UPDATE external_links SET due_at = $3, attempts = 0 WHERE state <> 'in_step' \
                     AND ($1 IS NULL OR unit_id = $1) AND ($2 IS NULL OR ticket_id = $2)",
                )
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
                sqlx::query("DELETE FROM webhook_nonces WHERE at < $1")
                    .bind(crate::rows::Ts::from(forget_before))
                    .execute(&mut *self.tx)
                    .await?;
                let done = sqlx::query("INSERT INTO webhook_nonces (nonce, at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
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
