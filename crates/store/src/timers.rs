//! The timers half of the repository: each ticket's due moments, and named leases that let one
//! node at a time run a duty. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::TicketId;
use helpdesk_domain::timer::TimerKind;
use time::OffsetDateTime;

use crate::StoreResult;

/// A timer as stored: which rule waits on which ticket, and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// The ticket.
    pub ticket: TicketId,
    /// The rule.
    pub kind: TimerKind,
    /// When it fires.
    pub due_at: OffsetDateTime,
    /// How far its rule got (the reminders sent so far, for a waiting ticket's).
    pub stage: i64,
}

/// Reading timers and taking leases.
#[async_trait]
pub trait TimerStore {
    /// Up to `limit` timers due at `now`, the longest overdue first (an index lookup, never a
    /// scan of the tickets).
    async fn due_timers(&self, now: OffsetDateTime, limit: i64) -> StoreResult<Vec<Timer>>;
    /// The timers of `ticket`, the soonest first.
    async fn timers_of(&self, ticket: TicketId) -> StoreResult<Vec<Timer>>;
    /// Takes or renews the lease `name` for `holder` until `until`; false while another holds
    /// it and it has not run out at `now`.
    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<bool>;
}

/// Writing timers, in the transaction of the change that starts, stops or fires them.
#[async_trait]
pub trait TimerTx {
    /// Starts (or moves) `kind` on `ticket`, due at `due_at`, at `stage`.
    async fn set_timer(
        &mut self,
        ticket: TicketId,
        kind: TimerKind,
        due_at: OffsetDateTime,
        stage: i64,
    ) -> StoreResult<()>;
    /// Ends `kind` on `ticket` unfired.
    async fn clear_timer(&mut self, ticket: TicketId, kind: TimerKind) -> StoreResult<()>;
    /// Removes `timer` as it was read, to fire it; false when it is gone or was moved (another
    /// scheduler fired it, or a change moved it), so that each timer fires once.
    async fn take_timer(&mut self, timer: &Timer) -> StoreResult<bool>;
}
