//! Who follows a ticket: people who get its public replies and its solution by mail; and how
//! its requester hears of it. Supertraits
//! of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::account::RequesterMode;
use helpdesk_domain::history::Alert;
use helpdesk_domain::{AccountId, TicketId};
use time::OffsetDateTime;

use crate::StoreResult;

/// The most followers a ticket's mail goes to.
pub const MOST_FOLLOWERS: usize = 1_000;

/// Reading who follows a ticket.
#[async_trait]
pub trait FollowerStore {
    /// The accounts that follow `ticket`, by id (at most [`MOST_FOLLOWERS`]).
    async fn followers(&self, ticket: TicketId) -> StoreResult<Vec<AccountId>>;
    /// Whether `account` follows `ticket`.
    async fn follows(&self, ticket: TicketId, account: AccountId) -> StoreResult<bool>;
    /// The mode `ticket`'s requester chose for it, if they chose one.
    async fn requester_mode(&self, ticket: TicketId) -> StoreResult<Option<RequesterMode>>;
    /// The accounts involved in `ticket` (at most [`MOST_FOLLOWERS`]).
    async fn involved(&self, ticket: TicketId) -> StoreResult<Vec<AccountId>>;
    /// When `account` last looked at `ticket` (if it did), and when `ticket` last changed.
    async fn seen_at(
        &self,
        account: AccountId,
        ticket: TicketId,
    ) -> StoreResult<(Option<OffsetDateTime>, Option<OffsetDateTime>)>;
    /// What changed on the tickets `account` opened, is the customer of, owns or follows since
    /// it last looked at each: the latest public change by someone else, newest first (at most
    /// `limit`).
    async fn unread(&self, account: AccountId, limit: i64) -> StoreResult<Vec<Alert>>;
}

/// Following and no longer following, in a transaction.
#[async_trait]
pub trait FollowerTx {
    /// `account` follows `ticket` from `since` on; true when it did not before.
    async fn follow(&mut self, ticket: TicketId, account: AccountId, since: OffsetDateTime) -> StoreResult<bool>;
    /// `account` no longer follows `ticket`; true when it did.
    async fn unfollow(&mut self, ticket: TicketId, account: AccountId) -> StoreResult<bool>;
    /// `ticket`'s requester hears of it in `mode` from now on.
    async fn set_requester_mode(&mut self, ticket: TicketId, mode: RequesterMode) -> StoreResult<()>;
    /// `account` is involved in `ticket` by `by` from `since` on; true when it was not before.
    async fn involve(
        &mut self,
        ticket: TicketId,
        account: AccountId,
        by: Option<AccountId>,
        since: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// `account` is no longer involved in `ticket`; true when it was.
    async fn uninvolve(&mut self, ticket: TicketId, account: AccountId) -> StoreResult<bool>;
    /// The accounts involved in `ticket`, in this transaction (at most [`MOST_FOLLOWERS`]).
    async fn involved_in_tx(&mut self, ticket: TicketId) -> StoreResult<Vec<AccountId>>;
    /// `account` looked at `ticket` at `at`.
    async fn mark_seen(&mut self, account: AccountId, ticket: TicketId, at: OffsetDateTime) -> StoreResult<()>;
}
