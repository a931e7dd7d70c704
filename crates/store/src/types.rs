//! What goes into and comes out of the store besides the domain's own records.

use helpdesk_domain::category::FieldDef;
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::Visibility;
use helpdesk_domain::status::Status;
use helpdesk_domain::ticket::{Channel, Priority};
use helpdesk_domain::unit::Integration;
use helpdesk_domain::{AccountId, CategoryId, TicketId, UnitId};
use time::OffsetDateTime;

/// Whether a ticket list shows open or finished tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    /// Any status that is not finished.
    Open,
    /// Solved, unsolved, verified or closed.
    Closed,
}

/// A ticket list: filters, the reader's visibility, and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    /// Only tickets the reader may see.
    pub visibility: Visibility,
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
    /// Which page.
    pub page: PageRequest,
}

impl TicketQuery {
    /// Every ticket `visibility` admits, first page.
    pub fn all(visibility: Visibility) -> TicketQuery {
        TicketQuery {
            visibility,
            status: None,
            state: None,
            category: None,
            unit: None,
            priority: None,
            page: PageRequest::default(),
        }
    }
}

/// An article about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// The ticket.
    pub ticket: TicketId,
    /// Who wrote it.
    pub author: Option<AccountId>,
    /// The text.
    pub body: String,
    /// An internal note?
    pub internal: bool,
    /// Where it came from.
    pub channel: Channel,
    /// When.
    pub at: OffsetDateTime,
}

/// A unit about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    /// Its name.
    pub name: String,
    /// What it handles.
    pub description: String,
    /// 1, 2 or 3.
    pub level: i16,
    /// Its address.
    pub email: String,
    /// How it works its tickets.
    pub integration: Integration,
}

/// A category about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    /// Its name.
    pub name: String,
    /// What belongs in it.
    pub description: String,
    /// Where its tickets go.
    pub default_unit: UnitId,
    /// Its own fields.
    pub fields: Vec<FieldDef>,
}

/// Work to do after a change is committed.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// What kind of work (the worker's handler name).
    pub kind: String,
    /// What the handler needs.
    pub payload: serde_json::Value,
    /// A job with the same key is queued only once.
    pub dedupe_key: Option<String>,
    /// Not before this time.
    pub run_at: OffsetDateTime,
}

/// A queued job, as claimed by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// The job's id.
    pub id: i64,
    /// What kind of work.
    pub kind: String,
    /// What the handler needs.
    pub payload: serde_json::Value,
    /// How many times it has been claimed, this time included.
    pub attempts: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
}
