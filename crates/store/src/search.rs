//! What the search index reads: the change log it follows and the tickets it indexes.
//! A supertrait of [`Store`](crate::Store).

use async_trait::async_trait;
use helpdesk_domain::TicketId;
use helpdesk_domain::ticket::{Article, Ticket};
use serde::{Deserialize, Serialize};

use crate::StoreResult;

/// A position in the change log: everything before it has been read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChangeCursor {
    /// The writing transaction (PostgreSQL; 0 on SQLite, whose writer commits in entry order).
    pub txid: i64,
    /// The entry within it.
    pub entry: i64,
}

/// A batch of the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// The committed entries after the cursor, in log order: where each stands and its ticket.
    /// On PostgreSQL these may include entries past `next`, of transactions that committed
    /// while an older one was still open: they come again until the cursor passes them.
    pub entries: Vec<(ChangeCursor, TicketId)>,
    /// Where to read on from: no entry before it can still appear.
    pub next: ChangeCursor,
    /// Whether more entries wait after this batch.
    pub more: bool,
}

/// A ticket as the index sees it: the ticket and every article, internal notes included.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument {
    /// The ticket.
    pub ticket: Ticket,
    /// Its articles, oldest first.
    pub articles: Vec<Article>,
}

/// Reads for the search index.
#[async_trait]
pub trait SearchSource: Send + Sync {
    /// Up to `limit` committed entries of the change log after `after`, and how far a follower
    /// may move its cursor: never past an entry that an open transaction may still commit.
    async fn ticket_changes(&self, after: ChangeCursor, limit: i64) -> StoreResult<Changes>;
    /// The position after the newest entry that no open transaction can precede: where an index
    /// rebuilt from the tickets now starts following.
    async fn change_horizon(&self) -> StoreResult<ChangeCursor>;
    /// The tickets with these numbers and their articles (missing numbers are left out).
    async fn search_documents(&self, ids: &[TicketId]) -> StoreResult<Vec<SearchDocument>>;
    /// How many tickets there are: the size of a rebuild.
    async fn ticket_count(&self) -> StoreResult<i64>;
    /// Up to `limit` ticket numbers after `after`, in order: a rebuild walks the tickets with it.
    async fn ticket_ids_after(&self, after: TicketId, limit: i64) -> StoreResult<Vec<TicketId>>;
}
