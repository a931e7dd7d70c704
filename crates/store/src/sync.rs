//! The sync half of the repository: connectors of external-mode units, tickets' links to their
//! copies on the other side (each link is also its ticket's outbox), what went over and came in,
//! and the nonces of signed webhooks. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::connector::{ConnectorSettings, ExternalLink};
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::{TicketId, UnitId};
use time::OffsetDateTime;

use crate::StoreResult;

/// A connector as stored: its settings, its sealed credentials and where following the other
/// side got to.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorRecord {
    /// The external-mode unit.
    pub unit: UnitId,
    /// Its settings.
    pub settings: ConnectorSettings,
    /// Its credentials, sealed; only the app can open them.
    pub sealed_credentials: Option<Vec<u8>>,
    /// Where the pull got to on the other side.
    pub cursor: Option<String>,
    /// When the other side was last polled.
    pub polled_at: Option<OffsetDateTime>,
    /// Why the last poll failed, if it did.
    pub poll_error: Option<String>,
    /// When the settings last changed.
    pub updated_at: OffsetDateTime,
}

/// A link with what the sync needs beyond what people see.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    /// What people see.
    pub link: ExternalLink,
    /// Bumped by every change of the ticket.
    pub version: i64,
    /// The other side's status as last known.
    pub remote_status: Option<String>,
    /// The other side's priority as last known.
    pub remote_priority: Option<String>,
    /// When the other side said it holds `remote_status`, for a change that came from there.
    pub remote_status_at: Option<OffsetDateTime>,
    /// When the other side said it holds `remote_priority`, likewise.
    pub remote_priority_at: Option<OffsetDateTime>,
}

/// One thing that went over or came in: an article here and its id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncItem {
    /// What kind of thing (`article`).
    pub kind: String,
    /// Its id here.
    pub local_ref: String,
    /// Its id there.
    pub remote_ref: String,
    /// Whether it came from the other side.
    pub inbound: bool,
}

/// Sync reads.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The connector of a unit.
    async fn connector(&self, unit: UnitId) -> StoreResult<Option<ConnectorRecord>>;
    /// Every connector, by unit.
    async fn connectors(&self) -> StoreResult<Vec<ConnectorRecord>>;
    /// A ticket's link.
    async fn external_link(&self, ticket: TicketId) -> StoreResult<Option<LinkRecord>>;
    /// The ticket linked to `external_id` through `unit`.
    async fn ticket_of_external(&self, unit: UnitId, external_id: &str) -> StoreResult<Option<TicketId>>;
    /// Links, those not in step first (oldest pending first), then the most recently synced;
    /// with `unit`, only that unit's.
    async fn external_links(&self, unit: Option<UnitId>, page: PageRequest) -> StoreResult<Page<ExternalLink>>;
    /// What went over or came in for a ticket through a unit.
    async fn sync_items(&self, ticket: TicketId, unit: UnitId) -> StoreResult<Vec<SyncItem>>;
    /// When a person (not Helpdesk itself, nor the sync) last changed `field` of a ticket.
    async fn last_change_here(&self, ticket: TicketId, field: &str) -> StoreResult<Option<OffsetDateTime>>;
    /// The tickets of `unit` whose changes this side has not delivered: links failing, or pending
    /// since before `pending_before`; past `after`, by ticket id, at most `limit`.
    async fn held_links(
        &self,
        unit: UnitId,
        pending_before: OffsetDateTime,
        after: TicketId,
        limit: i64,
    ) -> StoreResult<Vec<TicketId>>;
    /// Takes or renews the lease on following `unit`'s system for `worker` until `until`; false
    /// while another node holds it.
    async fn claim_poll(
        &self,
        unit: UnitId,
        worker: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Whether any link is due at `now` (one probe of the readers, so that an idle node does not
    /// take the writer's lock to find nothing).
    async fn has_due_links(&self, now: OffsetDateTime) -> StoreResult<bool>;
    /// Takes up to `limit` due links for `worker` until `lease_until`; returns each ticket with
    /// the link's version at the time.
    async fn claim_links(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<(TicketId, i64)>>;
    /// Releases a link that `worker` brought up to `version`: in step unless it changed since.
    async fn finish_link(&self, ticket: TicketId, worker: &str, version: i64, now: OffsetDateTime) -> StoreResult<()>;
    /// Releases a link that failed, to be tried again at `retry_at`.
    async fn fail_link(&self, ticket: TicketId, worker: &str, error: &str, retry_at: OffsetDateTime)
    -> StoreResult<()>;
}

/// Sync writes, inside a transaction.
#[async_trait]
pub trait SyncTx: Send {
    /// Stores a unit's connector; `credentials` replaces the sealed ones when given.
    async fn put_connector(
        &mut self,
        unit: UnitId,
        settings: &ConnectorSettings,
        credentials: Option<&[u8]>,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Records where following the other side got to, and how the poll went.
    async fn set_cursor(
        &mut self,
        unit: UnitId,
        cursor: Option<&str>,
        error: Option<&str>,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// A ticket's link, locked against other writers until this transaction ends.
    async fn external_link_for_update(&mut self, ticket: TicketId) -> StoreResult<Option<LinkRecord>>;
    /// Records the ticket's copy on the other side (linking the ticket when it was not); a link
    /// that has meanwhile moved to another unit, or has its copy, is left as it is.
    async fn set_external(
        &mut self,
        ticket: TicketId,
        unit: UnitId,
        external_id: &str,
        external_url: &str,
        at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Marks a ticket's link due at once, as a change of the ticket would.
    async fn mark_link_due(&mut self, ticket: TicketId, at: OffsetDateTime) -> StoreResult<()>;
    /// Forgets where following the other side got to (its kind or address changed).
    async fn clear_cursor(&mut self, unit: UnitId) -> StoreResult<()>;
    /// Records what the other side now holds; with `said_at`, when it said so (a change that
    /// came from there).
    async fn set_remote_state(
        &mut self,
        ticket: TicketId,
        status: Option<&str>,
        priority: Option<&str>,
        said_at: Option<OffsetDateTime>,
    ) -> StoreResult<()>;
    /// Records an item that went over or came in; false when it already was.
    async fn insert_sync_item(
        &mut self,
        ticket: TicketId,
        unit: UnitId,
        item: &SyncItem,
        at: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Makes the links of `unit` (or of one ticket) that are not in step due at once; returns
    /// how many.
    async fn retry_links(
        &mut self,
        unit: Option<UnitId>,
        ticket: Option<TicketId>,
        at: OffsetDateTime,
    ) -> StoreResult<u64>;
    /// Records a webhook's nonce; false when it was seen already (a replay). Nonces older than
    /// `forget_before` are dropped.
    async fn use_nonce(&mut self, nonce: &str, at: OffsetDateTime, forget_before: OffsetDateTime) -> StoreResult<bool>;
}
