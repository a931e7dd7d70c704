//! What a ticket list shows: its filters and its order. One type for every list (the API's,
//! the pages', the Zammad face's, the store's query), so that a filter means the same everywhere.

use crate::status::Status;
use crate::ticket::Priority;
use crate::{AccountId, CategoryId, OrgId, TicketId, UnitId};

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
    /// A unit's work queue: the nearest service-level due time first (tickets whose clocks
    /// stand still or are over after the others), then `new`, then unowned, then by priority
    /// (top first), then oldest first.
    Queue,
    /// The nearest service-level due time first; tickets without a running clock last, newest
    /// first among them.
    Due,
    /// The highest priority first (top, high, medium, low), then oldest first.
    Priority,
}

/// What the API's `owner` filter takes: `me`, `none`, or an account's id.
pub const OWNER_PATTERN: &str = "^(me|none|[0-9]{1,18})$";

/// What the API's `units` filter takes: up to 50 units' ids, separated by commas.
pub const UNITS_PATTERN: &str = "^[0-9]{1,18}(,[0-9]{1,18}){0,49}$";

/// How late a ticket's service-level clocks are, as lists filter them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lateness {
    /// A running clock has a quarter of its time or less left.
    Warning,
    /// A clock's time ran out before it was met.
    Breached,
}

crate::named_enum!(Lateness { Warning => "warning", Breached => "breached" });

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
    /// Only the duplicates (slaves) of this ticket.
    pub master: Option<TicketId>,
    /// Only the children (parts) of this ticket.
    pub parent: Option<TicketId>,
    /// Only tickets with an open clock this late.
    pub sla: Option<Lateness>,
    /// Only tickets of this kind (user, team, alarm).
    pub kind: Option<crate::team::TicketKind>,
    /// Only this team's tickets.
    pub team: Option<crate::TeamId>,
    /// The order (newest first unless asked).
    pub order: TicketOrder,
}

/// Which of open and finished tickets a person asks a list to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StateChoice {
    /// What the list shows when nothing is asked.
    #[default]
    AsTheListShows,
    /// Only open, or only finished, tickets.
    Only(OpenState),
    /// Open and finished tickets.
    Both,
}

/// What a person narrows a list down to, over what the list itself shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// Words in the title, or a ticket number.
    pub text: Option<String>,
    /// Open, finished, or both.
    pub state: StateChoice,
    /// One status.
    pub status: Option<Status>,
    /// One category.
    pub category: Option<CategoryId>,
    /// Only tickets this late.
    pub sla: Option<Lateness>,
}

impl TicketFilter {
    /// This list narrowed as a person asks: their words, state, status and category take the
    /// place of the list's own.
    pub fn narrowed(self, by: Narrowing) -> TicketFilter {
        let state = match by.state {
            StateChoice::AsTheListShows => self.state,
            StateChoice::Only(state) => Some(state),
            StateChoice::Both => None,
        };
        TicketFilter {
            text: by.text,
            state,
            status: by.status.or(self.status),
            category: by.category.or(self.category),
            sla: by.sla.or(self.sla),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrowing_takes_the_place_of_the_lists_own_filters_only_where_it_asks() {
        let list = TicketFilter {
            state: Some(OpenState::Open),
            status: Some(Status::New),
            category: Some(CategoryId(3)),
            text: Some("list".into()),
            units: vec![UnitId(1), UnitId(2)],
            order: TicketOrder::Queue,
            ..TicketFilter::default()
        };
        let cases = [
            (Narrowing::default(), Some(OpenState::Open), Some(Status::New), Some(3), None),
            (
                Narrowing { state: StateChoice::Only(OpenState::Closed), ..Narrowing::default() },
                Some(OpenState::Closed),
                Some(Status::New),
                Some(3),
                None,
            ),
            (
                Narrowing { state: StateChoice::Both, status: Some(Status::Solved), ..Narrowing::default() },
                None,
                Some(Status::Solved),
                Some(3),
                None,
            ),
            (
                Narrowing { text: Some("disk".into()), category: Some(CategoryId(7)), ..Narrowing::default() },
                Some(OpenState::Open),
                Some(Status::New),
                Some(7),
                Some("disk".to_owned()),
            ),
        ];
        for (by, state, status, category, text) in cases {
            let narrowed = list.clone().narrowed(by.clone());
            assert_eq!(
                (narrowed.state, narrowed.status, narrowed.category, narrowed.text.clone()),
                (state, status, category.map(CategoryId), text),
                "{by:?}"
            );
            assert_eq!(
                (narrowed.units, narrowed.order),
                (vec![UnitId(1), UnitId(2)], TicketOrder::Queue),
                "the list's own scope stays"
            );
        }
    }
}
