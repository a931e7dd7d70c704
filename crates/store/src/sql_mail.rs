//! The inbound mail store, written once (its statements in `statements`) and instantiated for each
//! engine by `mail_sql!` (see `sql.rs` for why a macro).

/// The columns of an inbound message without its bytes, in `InboundRow`'s order.
macro_rules! inbound_columns {
    () => {
        "id, received_at, status, message_id, sender, subject, ticket_id, detail, processed_at, \
         CAST(length(raw) AS BIGINT) AS size, recipient"
    };
}
pub(crate) use inbound_columns;

macro_rules! mail_sql {
    (db: $db:ty $(,)?) => {
        use crate::mail::{MailStore, MailTx};

        #[async_trait::async_trait]
        impl MailStore for SqlStore {
            async fn inbound_message(
                &self,
                id: i64,
            ) -> crate::StoreResult<Option<(helpdesk_domain::mail::InboundMessage, Vec<u8>)>> {
                let row: Option<crate::rows::InboundRawRow> = sqlx::query_as($crate::statements::mail::INBOUND_MESSAGE)
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
                row.map(|r| r.into_parts()).transpose()
            }

            async fn inbound_messages(
                &self,
                status: Option<helpdesk_domain::mail::InboundStatus>,
                page: helpdesk_domain::paging::PageRequest,
            ) -> crate::StoreResult<helpdesk_domain::paging::Page<helpdesk_domain::mail::InboundMessage>> {
                let status = status.map(|s| s.as_str());
                let total: i64 = sqlx::query_scalar($crate::statements::mail::INBOUND_MESSAGES_COUNT)
                    .bind(status)
                    .fetch_one(&self.read)
                    .await?;
                let rows: Vec<crate::rows::InboundRow> =
                    sqlx::query_as($crate::statements::mail::INBOUND_MESSAGES_PAGE)
                        .bind(status)
                        .bind(page.per_page)
                        .bind(page.offset())
                        .fetch_all(&self.read)
                        .await?;
                Ok(helpdesk_domain::paging::Page::new(crate::rows::convert(rows)?, total, page))
            }

            async fn ticket_of_messages(
                &self,
                message_ids: &[String],
            ) -> crate::StoreResult<Option<helpdesk_domain::TicketId>> {
                for chunk in message_ids.chunks(100) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "SELECT ticket_id FROM inbound_mail WHERE ticket_id IS NOT NULL \
                         AND status IN ('ticket_opened', 'article_added') AND message_id IN (",
                    );
                    let mut ids = qb.separated(", ");
                    for id in chunk {
                        ids.push_bind(id.clone());
                    }
                    qb.push(") ORDER BY id DESC LIMIT 1");
                    let found: Option<i64> = qb.build_query_scalar().fetch_optional(&self.read).await?;
                    if found.is_some() {
                        return Ok(found.map(TicketId));
                    }
                }
                Ok(None)
            }

            async fn units_by_email(
                &self,
                addresses: &[String],
            ) -> crate::StoreResult<Vec<helpdesk_domain::unit::Unit>> {
                if addresses.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ",
                    $crate::sql::unit_columns!(),
                    " FROM units WHERE lower(email) IN ("
                ));
                let mut list = qb.separated(", ");
                for address in addresses.iter().take(100) {
                    list.push_bind(address.to_lowercase());
                }
                qb.push(") ORDER BY id");
                let rows: Vec<crate::rows::UnitRow> = qb.build_query_as().fetch_all(&self.read).await?;
                crate::rows::convert(rows)
            }

            async fn mail_full_texts(
                &self,
                ticket: helpdesk_domain::TicketId,
            ) -> crate::StoreResult<Vec<(Option<helpdesk_domain::ArticleId>, bool, String)>> {
                let rows: Vec<(Option<helpdesk_domain::ArticleId>, Option<bool>, String)> =
                    sqlx::query_as($crate::statements::mail::MAIL_FULL_TEXTS)
                        .bind(ticket)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(article, internal, text)| (article, internal.unwrap_or(false), text))
                    .collect())
            }
        }

        #[async_trait::async_trait]
        impl MailTx for SqlTx {
            async fn record_inbound_text(
                &mut self,
                id: i64,
                article: Option<helpdesk_domain::ArticleId>,
                text: &str,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::mail::RECORD_INBOUND_TEXT)
                    .bind(id)
                    .bind(article)
                    .bind(text)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn insert_inbound(
                &mut self,
                raw: &[u8],
                recipient: Option<&str>,
                at: time::OffsetDateTime,
            ) -> crate::StoreResult<i64> {
                let id: i64 = sqlx::query_scalar($crate::statements::mail::INSERT_INBOUND)
                    .bind(crate::rows::Ts::from(at))
                    .bind(raw)
                    .bind(recipient)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(id)
            }

            async fn record_inbound(
                &mut self,
                id: i64,
                o: &helpdesk_domain::mail::InboundOutcome,
            ) -> crate::StoreResult<()> {
                sqlx::query($crate::statements::mail::RECORD_INBOUND)
                    .bind(id)
                    .bind(o.status.as_str())
                    .bind(&o.message_id)
                    .bind(&o.sender)
                    .bind(&o.subject)
                    .bind(o.ticket)
                    .bind(&o.detail)
                    .bind(crate::rows::Ts::from(o.at))
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use mail_sql;
