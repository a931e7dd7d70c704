//! The service-level clocks half of the repository: each run of a ticket's clocks and the spans
//! they ran. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::clock::{ClockKind, ClockMoments};
use helpdesk_domain::{CalendarId, ServiceLevelId, TicketId, UnitId};
use time::OffsetDateTime;

use crate::StoreResult;

/// One run of a ticket's clock, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// Its id (0 before it is stored).
    pub id: i64,
    /// The ticket.
    pub ticket: TicketId,
    /// Which clock.
    pub kind: ClockKind,
    /// The unit it runs for.
    pub unit: UnitId,
    /// The level's time it is measured against (`5d`).
    pub target: String,
    /// That time in working seconds, counted from its start.
    pub budget_secs: i64,
    /// Working seconds used before `running_since` (all of them while it stands still).
    pub used_secs: i64,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// Since when it runs; none while paused or over.
    pub running_since: Option<OffsetDateTime>,
    /// Its due, warning, met, breach and end moments.
    pub moments: ClockMoments,
    /// The steps it has taken (warning, breach, escalations), 0 to 4.
    pub steps: i64,
    /// The escalation step reached, 0 to 3.
    pub escalation: i64,
}

/// A span in which a clock ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSegment {
    /// The clock.
    pub clock: i64,
    /// When it started running.
    pub started_at: OffsetDateTime,
    /// When it stopped; none while it runs.
    pub ended_at: Option<OffsetDateTime>,
}

/// Whose running clocks to read: a unit's, or those of every unit on a level or a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockScope {
    /// The unit's.
    Unit(UnitId),
    /// Those of every unit on the level.
    Level(ServiceLevelId),
    /// Those of every unit whose level counts in the calendar.
    Calendar(CalendarId),
}

/// Reading clocks.
#[async_trait]
pub trait ClockStore {
    /// Every run of `ticket`'s clocks, oldest first.
    async fn clocks_of(&self, ticket: TicketId) -> StoreResult<Vec<Clock>>;
    /// The latest run of each clock of each of `tickets` (up to 500 tickets).
    async fn latest_clocks(&self, tickets: &[TicketId]) -> StoreResult<Vec<Clock>>;
    /// The spans `ticket`'s clocks ran, by clock, oldest first.
    async fn clock_segments(&self, ticket: TicketId) -> StoreResult<Vec<ClockSegment>>;
}

/// Writing clocks, in the transaction of the change or the timer that moves them.
#[async_trait]
pub trait ClockTx {
    /// The open clocks of `ticket` (at most one of each kind).
    async fn open_clocks(&mut self, ticket: TicketId) -> StoreResult<Vec<Clock>>;
    /// The open clocks of `scope`, to re-target after a change of its times.
    async fn open_clocks_under(&mut self, scope: ClockScope) -> StoreResult<Vec<Clock>>;
    /// Stores a new clock; returns its id.
    async fn insert_clock(&mut self, clock: &Clock) -> StoreResult<i64>;
    /// Stores what changed of the clock with `clock.id`.
    async fn save_clock(&mut self, clock: &Clock) -> StoreResult<()>;
    /// Opens a span of `clock` at `at`.
    async fn start_segment(&mut self, clock: i64, at: OffsetDateTime) -> StoreResult<()>;
    /// Closes `clock`'s open span at `at`.
    async fn end_segment(&mut self, clock: i64, at: OffsetDateTime) -> StoreResult<()>;
}
