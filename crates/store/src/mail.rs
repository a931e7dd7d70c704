//! The mail half of the repository: inbound messages, kept raw before they are parsed, and what
//! became of them. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::mail::{InboundMessage, InboundOutcome, InboundStatus};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::unit::Unit;
use helpdesk_domain::{ArticleId, TicketId};
use time::OffsetDateTime;

use crate::StoreResult;

/// Inbound mail reads.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// One inbound message with its raw bytes.
    async fn inbound_message(&self, id: i64) -> StoreResult<Option<(InboundMessage, Vec<u8>)>>;
    /// A page of inbound messages, newest first; with `status`, only those.
    async fn inbound_messages(
        &self,
        status: Option<InboundStatus>,
        page: PageRequest,
    ) -> StoreResult<Page<InboundMessage>>;
    /// The ticket that a delivered message with one of these Message-IDs opened or joined.
    async fn ticket_of_messages(&self, message_ids: &[String]) -> StoreResult<Option<TicketId>>;
    /// The units reached at any of these addresses (lower-case), by id.
    async fn units_by_email(&self, addresses: &[String]) -> StoreResult<Vec<Unit>>;
    /// The full texts (quoted history included) of the messages delivered to `ticket` whose
    /// ticket or article keeps less: the article (none for the ticket's description), whether it
    /// is an internal note, and the text, oldest first.
    async fn mail_full_texts(&self, ticket: TicketId) -> StoreResult<Vec<(Option<ArticleId>, bool, String)>>;
}

/// Inbound mail writes, inside a transaction.
#[async_trait]
pub trait MailTx: Send {
    /// Keeps a raw message as received, with the envelope's recipient when the gateway gave it;
    /// returns its id.
    async fn insert_inbound(&mut self, raw: &[u8], recipient: Option<&str>, at: OffsetDateTime) -> StoreResult<i64>;
    /// Records what became of an inbound message.
    async fn record_inbound(&mut self, id: i64, outcome: &InboundOutcome) -> StoreResult<()>;
    /// Records a delivered message's full text, and the article it made (none for a ticket).
    async fn record_inbound_text(&mut self, id: i64, article: Option<ArticleId>, text: &str) -> StoreResult<()>;
}
