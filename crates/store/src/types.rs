//! What goes into and comes out of the store besides the domain's own records.

use helpdesk_domain::category::FieldDef;
pub use helpdesk_domain::listing::{OpenState, TicketFilter, TicketOrder};
use helpdesk_domain::paging::PageRequest;
use helpdesk_domain::policy::Visibility;
use helpdesk_domain::ticket::Channel;
use helpdesk_domain::unit::Integration;
use helpdesk_domain::{AccountId, ArticleId, TicketId, UnitId};
use time::OffsetDateTime;

/// A ticket list: filters, the reader's visibility, and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    /// Only tickets the reader may see.
    pub visibility: Visibility,
    /// What the list holds, and its order.
    pub filter: TicketFilter,
    /// Which page.
    pub page: PageRequest,
    /// The moment the list is of (how late a clock is depends on it).
    pub at: OffsetDateTime,
}

impl TicketQuery {
    /// Every ticket `visibility` admits, first page, now.
    pub fn all(visibility: Visibility) -> TicketQuery {
        TicketQuery {
            visibility,
            filter: TicketFilter::default(),
            page: PageRequest::default(),
            at: OffsetDateTime::now_utc(),
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
    /// Who wrote it in the other ticketing system it came from.
    pub external_author: Option<String>,
}

/// A file about to be stored, checked and named by the domain's rules.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// The ticket.
    pub ticket: TicketId,
    /// The article it comes with, if any.
    pub article: Option<ArticleId>,
    /// The cleaned file name.
    pub filename: String,
    /// The cleaned content type.
    pub content_type: String,
    /// The SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// Who uploads it.
    pub uploaded_by: Option<AccountId>,
    /// Attached to an internal note?
    pub internal: bool,
    /// The bytes.
    pub data: Vec<u8>,
    /// When.
    pub at: OffsetDateTime,
}

// The bytes would flood every log and panic message that shows an attachment.
impl std::fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAttachment")
            .field("ticket", &self.ticket)
            .field("article", &self.article)
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("sha256", &self.sha256)
            .field("internal", &self.internal)
            .field("data", &self.data.len())
            .finish()
    }
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
    /// Its service level.
    pub service_level: helpdesk_domain::ServiceLevelId,
    /// Where its alarm tickets are mailed at once (empty: none).
    pub alarm_email: String,
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

/// The job queue at a moment, by what each job is waiting for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Due and in nobody's hands: the next worker that looks takes them.
    pub due: i64,
    /// Queued to run later, not yet tried.
    pub later: i64,
    /// Failed and waiting for their next attempt.
    pub retrying: i64,
    /// Claimed by a worker whose lease has not run out.
    pub running: i64,
    /// Failed for good.
    pub failed: i64,
}

/// A working-hour calendar about to be stored, checked by the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCalendar {
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Its week, as written.
    pub week: helpdesk_domain::calendar::WeekHours,
    /// Its holidays.
    pub holidays: Vec<time::Date>,
}

/// A service level about to be stored, checked by the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewServiceLevel {
    /// Its name.
    pub name: String,
    /// Its calendar.
    pub calendar: helpdesk_domain::CalendarId,
    /// Each priority's times, as written.
    pub targets: helpdesk_domain::service_level::TargetsText,
    /// The reminder period while waiting for the submitter.
    pub waiting_reminder: String,
    /// Reminders before a waiting ticket becomes unsolved.
    pub auto_unsolved_after_reminders: u8,
    /// The time before an unverified solution is closed.
    pub auto_close: String,
}
