//! What a ticket list shows: its filters and its order. One type for every list (the API's,
//! the pages', the Zammad face's, the store's query), so that a filter means the same everywhere.

use crate::status::Status;
use crate::ticket::Priority;
use crate::{AccountId, CategoryId, OrgId, UnitId};

/// Whether a ticket list shows open or finished tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    /// Any status that is not finished.
    Open,
    /// Solved, unsolved, verified or closed.
    Closed,
}

/// The order of a ticket list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TicketOrder {
    /// Newest first (by number).
    #[default]
    Newest,
    /// Most recently changed first.
    LastActivity,
    /// Oldest first (by number): the order Zammad pages its tickets in.
    Oldest,
    /// Least recently changed first.
    EarliestActivity,
    /// A unit's work queue: `new` first, then unowned, then by priority (top first), then
    /// oldest first.
    Queue,
}

/// Filters of a ticket list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only open, or only finished, tickets.
    pub state: Option<OpenState>,
    /// Only this category.
    pub category: Option<CategoryId>,
    /// Only this unit.
    pub unit: Option<UnitId>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only tickets whose title holds this text (any case), or with this number when it is all
    /// digits (`#` allowed before them).
    pub text: Option<String>,
    /// Only tickets this person opened, or that were opened on their behalf.
    pub submitter: Option<AccountId>,
    /// Only tickets this person owns.
    pub owner: Option<AccountId>,
    /// Only tickets nobody owns.
    pub unassigned: bool,
    /// Only tickets of this organisation.
    pub organisation: Option<OrgId>,
    /// Only tickets of any of these units (none: no filter).
    pub units: Vec<UnitId>,
    /// The order (newest first unless asked).
    pub order: TicketOrder,
}
