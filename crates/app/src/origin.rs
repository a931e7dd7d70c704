//! Where a ticket or an article came from when no one typed it here: a mail, or the other side
//! of an external-mode unit. It is recorded in the same transaction as what it made, so that a
//! message or a remote change is applied once, however often it is delivered.

use helpdesk_domain::mail::InboundStatus;
use helpdesk_domain::{ArticleId, TicketId, UnitId};
use helpdesk_store::{SyncItem, Tx};
use time::OffsetDateTime;

use crate::AppResult;
use crate::inbound::MailOrigin;

/// The source of a change made on someone else's behalf.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// An inbound mail.
    Mail(MailOrigin),
    /// A change on the other side of an external-mode unit.
    External(ExternalOrigin),
}

/// A change that came from the system an external-mode unit works in.
#[derive(Debug, Clone)]
pub(crate) struct ExternalOrigin {
    /// The external-mode unit.
    pub(crate) unit: UnitId,
    /// The ticket's id there.
    pub(crate) remote_ticket: String,
    /// The ticket's address there.
    pub(crate) remote_url: Option<String>,
    /// The article's id there, for an article.
    pub(crate) remote_article: Option<String>,
    /// The status and priority the other side holds, as it said.
    pub(crate) remote_status: Option<String>,
    /// See `remote_status`.
    pub(crate) remote_priority: Option<String>,
    /// Who wrote the article there, with the system's name, for an article.
    pub(crate) remote_author: Option<String>,
    /// When the other side made the change.
    pub(crate) remote_at: Option<OffsetDateTime>,
}

impl ExternalOrigin {
    /// Records the status and priority the other side said it holds, and when it said so.
    async fn remember_state(&self, tx: &mut dyn Tx, ticket: TicketId) -> AppResult<()> {
        let (status, priority) = (self.remote_status.as_deref(), self.remote_priority.as_deref());
        Ok(tx.set_remote_state(ticket, status, priority, self.remote_at).await?)
    }
}

impl From<MailOrigin> for Origin {
    fn from(mail: MailOrigin) -> Origin {
        Origin::Mail(mail)
    }
}

impl Origin {
    /// Who wrote an article in the other system, for one that came from there.
    pub(crate) fn external_author(origin: &Option<Origin>) -> Option<String> {
        match origin {
            Some(Origin::External(o)) => o.remote_author.clone(),
            _ => None,
        }
    }

    /// Records where a change came from (when it did not come from a person here) with the
    /// ticket or article it made; returns the addresses the change's notifications leave out.
    /// A remote article recorded before fails as a duplicate, rolling the second copy back.
    pub(crate) async fn record(
        origin: &Option<Origin>,
        tx: &mut dyn Tx,
        status: InboundStatus,
        ticket: TicketId,
        article: Option<ArticleId>,
        at: OffsetDateTime,
    ) -> AppResult<Vec<String>> {
        match origin {
            None => Ok(Vec::new()),
            Some(Origin::Mail(mail)) => mail.record(tx, status, ticket, article, at).await,
            Some(Origin::External(external)) => {
                if status == InboundStatus::TicketOpened {
                    let url = external.remote_url.as_deref().unwrap_or_default();
                    tx.set_external(ticket, external.unit, &external.remote_ticket, url, at).await?;
                    external.remember_state(tx, ticket).await?;
                }
                if let (Some(article), Some(remote)) = (article, &external.remote_article) {
                    let item = SyncItem {
                        kind: crate::sync::ARTICLE.into(),
                        local_ref: article.to_string(),
                        remote_ref: remote.clone(),
                        inbound: true,
                    };
                    if !tx.insert_sync_item(ticket, external.unit, &item, at).await? {
                        return Err(helpdesk_store::StoreError::Duplicate(format!("remote article {remote}")).into());
                    }
                }
                Ok(Vec::new())
            }
        }
    }

    /// Records what the other side holds after a change that came from it.
    pub(crate) async fn record_update(origin: &Option<Origin>, tx: &mut dyn Tx, ticket: TicketId) -> AppResult<()> {
        if let Some(Origin::External(external)) = origin {
            external.remember_state(tx, ticket).await?;
        }
        Ok(())
    }
}
