//! Relations between tickets, and related links. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::AccountId;
use helpdesk_domain::TicketId;
use helpdesk_domain::relation::{Relation, TicketLink};
use time::OffsetDateTime;

use crate::StoreResult;

/// Reading a ticket's relations.
#[async_trait]
pub trait RelationStore {
    /// The relations of `ticket`, each seen from it, oldest first (at most `limit`).
    async fn relations_of(&self, ticket: TicketId, limit: usize) -> StoreResult<Vec<Relation>>;
    /// The related links of `ticket`, oldest first (at most `limit`).
    async fn links_of(&self, ticket: TicketId, limit: usize) -> StoreResult<Vec<TicketLink>>;
}

/// Making and removing relations, in a transaction.
#[async_trait]
pub trait RelationTx {
    /// The relations of `ticket`, in this transaction (at most `limit`).
    async fn relations_of_in_tx(&mut self, ticket: TicketId, limit: usize) -> StoreResult<Vec<Relation>>;
    /// Stores a new relation (its `id` is ignored); returns its id. The same pair of the same
    /// kind twice is a duplicate.
    async fn insert_relation(&mut self, relation: &Relation) -> StoreResult<i64>;
    /// Removes relation `id` of `ticket`; false when `ticket` has no such relation.
    async fn delete_relation(&mut self, id: i64, ticket: TicketId) -> StoreResult<bool>;
    /// The related links of `ticket`, in this transaction (at most `limit`).
    async fn links_of_in_tx(&mut self, ticket: TicketId, limit: usize) -> StoreResult<Vec<TicketLink>>;
    /// Adds a related link to `ticket`; returns it. The same address twice is a duplicate.
    async fn insert_link(
        &mut self,
        ticket: TicketId,
        url: &str,
        by: Option<AccountId>,
        at: OffsetDateTime,
    ) -> StoreResult<TicketLink>;
    /// Removes link `id` of `ticket`; returns its address, or none when `ticket` has no such link.
    async fn delete_link(&mut self, id: i64, ticket: TicketId) -> StoreResult<Option<String>>;
}
