//! The service-level clocks half of the repository: each run of a ticket's clocks and the spans
//! they ran. Supertraits of [`Store`](crate::Store) and [`Tx`](crate::Tx).

use async_trait::async_trait;
use helpdesk_domain::clock::{ClockKind, ClockMoments};
use helpdesk_domain::listing::Lateness;
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
    /// Its moments and the steps it has taken.
    pub moments: ClockMoments,
    /// The escalation step reached, 0 to 3.
    pub escalation: i64,
}

/// A span in which a clock stood still (its ticket waited for its requester or was on hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockPause {
    /// The clock.
    pub clock: i64,
    /// When it stopped.
    pub started_at: OffsetDateTime,
    /// When it ran again; none while it stands still.
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
    /// The spans `ticket`'s clocks stood still, by clock, oldest first.
    async fn clock_pauses(&self, ticket: TicketId) -> StoreResult<Vec<ClockPause>>;
    /// The tickets with an open clock late as `late` is at `at`, by number, at most `limit`.
    async fn late_tickets(&self, late: Lateness, at: OffsetDateTime, limit: usize) -> StoreResult<Vec<TicketId>>;
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
    /// Stores new clocks in one statement (a new ticket's), without telling their ids.
    async fn insert_clocks(&mut self, clocks: &[Clock]) -> StoreResult<()>;
    /// Stores what changed of the clock with `clock.id`.
    async fn save_clock(&mut self, clock: &Clock) -> StoreResult<()>;
    /// `clock` stands still from `at`.
    async fn start_pause(&mut self, clock: i64, at: OffsetDateTime) -> StoreResult<()>;
    /// `clock` runs again from `at`.
    async fn end_pause(&mut self, clock: i64, at: OffsetDateTime) -> StoreResult<()>;
}
