//! Helpdesk's persistence: one repository API over SQLite (embedded, the default) and
//! PostgreSQL (for several nodes). All SQL of the project lives in this crate.
//!
//! Reads go through [`Store`]; every change goes through a [`Tx`], so that a change, its history,
//! its change-log entry and its follow-up jobs are committed together or not at all. The change
//! log is written by triggers on `tickets` and `articles`, so no write can forget it.

#![warn(missing_docs)]

mod accounts;
mod auth;
mod clocks;
mod error;
mod followers;
mod group_commit;
mod identity;
mod mail;
mod postgres;
mod relations;
mod rows;
mod search;
mod sql;
mod sql_accounts;
mod sql_auth;
mod sql_clocks;
mod sql_followers;
mod sql_identity;
mod sql_mail;
mod sql_relations;
mod sql_search;
mod sql_sync;
mod sql_teams;
mod sql_timers;
mod sqlite;
mod statements;
mod sync;
mod teams;
mod timers;
mod types;
mod wal;

use std::sync::Arc;

use async_trait::async_trait;
use helpdesk_domain::account::{Account, Role};
use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::calendar::CalendarRecord;
use helpdesk_domain::category::Category;
use helpdesk_domain::history::HistoryEntry;
use helpdesk_domain::paging::{Page, PageRequest};
use helpdesk_domain::service_level::ServiceLevel;
use helpdesk_domain::ticket::{Article, Ticket, TicketSummary};
use helpdesk_domain::unit::Unit;
use helpdesk_domain::workflow::NewTicket;
use helpdesk_domain::{AccountId, ArticleId, AttachmentId, CalendarId, CategoryId, ServiceLevelId, TicketId, UnitId};
use time::OffsetDateTime;

pub use accounts::{AccountStore, AccountTx};
pub use auth::{AuthStore, AuthTx};
pub use clocks::{Clock, ClockPause, ClockScope, ClockStore, ClockTx};
pub use error::{StoreError, StoreResult};
pub use followers::{FollowerStore, FollowerTx, MOST_FOLLOWERS};
pub use identity::{IdentityStore, IdentityTx, Memberships, NewContract};
pub use mail::{MailStore, MailTx};
pub use relations::{RelationStore, RelationTx};
pub use search::{ChangeCursor, Changes, SearchDocument, SearchSource};
pub use sync::{ConnectorRecord, LinkRecord, SyncItem, SyncStore, SyncTx};
pub use teams::{MOST_TEAMS, TeamStore, TeamTx};
pub use timers::{Timer, TimerStore, TimerTx};
pub use types::*;

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Reads, and the start of every change. Cheap to share: hold it in an `Arc`.
#[async_trait]
pub trait Store:
    IdentityStore
    + AuthStore
    + AccountStore
    + MailStore
    + SearchSource
    + SyncStore
    + TimerStore
    + ClockStore
    + FollowerStore
    + RelationStore
    + TeamStore
    + Send
    + Sync
    + 'static
{
    /// Which engine this is.
    fn engine(&self) -> Engine;
    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Starts a write transaction. Nothing it writes is seen until [`Tx::commit`].
    async fn begin(&self) -> StoreResult<Box<dyn Tx>>;
    /// Closes the connections.
    async fn close(&self);

    /// One ticket.
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// A page of tickets matching `query`, in its order, with the total.
    async fn tickets(&self, query: &TicketQuery) -> StoreResult<Page<Ticket>>;
    /// The same page as [`Store::tickets`], each ticket with its submitter's name and number of
    /// public articles, in one query.
    async fn ticket_summaries(&self, query: &TicketQuery) -> StoreResult<Page<TicketSummary>>;
    /// A ticket's attachments without their bytes, oldest first; those of internal notes only
    /// with `internal`.
    async fn attachments(&self, ticket: TicketId, internal: bool) -> StoreResult<Vec<Attachment>>;
    /// One attachment with its bytes.
    async fn attachment_data(&self, id: AttachmentId) -> StoreResult<Option<(Attachment, Vec<u8>)>>;
    /// A page of a ticket's articles, oldest first; internal notes only with `internal`.
    async fn articles(&self, ticket: TicketId, internal: bool, page: PageRequest) -> StoreResult<Page<Article>>;
    /// One article, internal or not.
    async fn article(&self, id: ArticleId) -> StoreResult<Option<Article>>;
    /// A page of a ticket's history, oldest first; internal entries only with `internal`.
    async fn history(&self, ticket: TicketId, internal: bool, page: PageRequest) -> StoreResult<Page<HistoryEntry>>;

    /// One unit.
    async fn unit(&self, id: UnitId) -> StoreResult<Option<Unit>>;
    /// A page of units, by name.
    async fn units(&self, page: PageRequest) -> StoreResult<Page<Unit>>;
    /// One category.
    async fn category(&self, id: CategoryId) -> StoreResult<Option<Category>>;
    /// A page of categories, by name.
    async fn categories(&self, page: PageRequest) -> StoreResult<Page<Category>>;
    /// Every working-hour calendar, oldest first (an installation has a handful).
    async fn calendars(&self) -> StoreResult<Vec<CalendarRecord>>;
    /// One working-hour calendar.
    async fn calendar(&self, id: CalendarId) -> StoreResult<Option<CalendarRecord>>;
    /// Every service level, oldest first.
    async fn service_levels(&self) -> StoreResult<Vec<ServiceLevel>>;
    /// One service level.
    async fn service_level(&self, id: ServiceLevelId) -> StoreResult<Option<ServiceLevel>>;

    /// One account.
    async fn account(&self, id: AccountId) -> StoreResult<Option<Account>>;
    /// The account with this e-mail address (already normalised).
    async fn account_by_email(&self, email: &str) -> StoreResult<Option<Account>>;
    /// The account an unrevoked API token with this hash belongs to.
    async fn account_by_token(&self, token_hash: &str) -> StoreResult<Option<Account>>;

    /// Claims up to `limit` due jobs for `worker` until `lease_until`; a job whose lease runs
    /// out is claimed again, so a crashed worker loses nothing.
    async fn claim_jobs(
        &self,
        worker: &str,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> StoreResult<Vec<Job>>;
    /// Removes the jobs `worker` has done, in one statement.
    async fn finish_jobs(&self, ids: &[i64], worker: &str) -> StoreResult<()>;
    /// Releases a job that failed, to run again at `retry_at`, or never again when `None`.
    async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Releases every job, sync link and poll lease that `worker` holds: a node started again
    /// under its name takes back what it held before a crash at once, instead of waiting for
    /// the leases to run out. Returns how many jobs and links it released.
    async fn release_claims(&self, worker: &str) -> StoreResult<(u64, u64)>;
    /// Jobs that failed for good, newest first.
    async fn failed_jobs(&self, page: PageRequest) -> StoreResult<Page<Job>>;
    /// How many jobs are due, queued for later, waiting to be retried, in a worker's hands, and failed for good.
    async fn job_counts(&self, now: OffsetDateTime) -> StoreResult<JobCounts>;
    /// Prepares every fixed statement of the store against the schema (none is run): proves
    /// that the code and the migrations agree, on either engine. Returns how many there are.
    async fn prepare_statements(&self) -> StoreResult<usize>;
    /// How many rows each table holds, to prove in tests that a refusal wrote nothing.
    async fn row_counts(&self) -> StoreResult<Vec<(&'static str, i64)>>;
    /// Whether any account exists (a first start has none); one index probe, not a count.
    async fn has_accounts(&self) -> StoreResult<bool>;
}

/// One write transaction. Dropping it without [`Tx::commit`] rolls everything back. After any
/// error the transaction must be dropped, not used on: PostgreSQL refuses everything after a
/// failed statement, SQLite would carry on, and the engines must behave alike.
#[async_trait]
pub trait Tx:
    IdentityTx + AuthTx + AccountTx + MailTx + SyncTx + TimerTx + ClockTx + FollowerTx + RelationTx + TeamTx + Send
{
    /// Commits every write of this transaction at once.
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// One ticket, locked against other writers until this transaction ends.
    async fn ticket_for_update(&mut self, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// Stores a new ticket with the history of its creation; it gets the next number.
    async fn insert_ticket(
        &mut self,
        ticket: &NewTicket,
        history: &[HistoryEntry],
        at: OffsetDateTime,
    ) -> StoreResult<Ticket> {
        self.insert_ticket_with_clocks(ticket, history, &[], at).await
    }
    /// The same, with its service-level clocks (their `ticket` is taken from the new number):
    /// on SQLite in the one round trip to the writer that stores the ticket.
    async fn insert_ticket_with_clocks(
        &mut self,
        ticket: &NewTicket,
        history: &[HistoryEntry],
        clocks: &[Clock],
        at: OffsetDateTime,
    ) -> StoreResult<Ticket>;
    /// Writes a ticket's changeable fields back.
    async fn update_ticket(&mut self, ticket: &Ticket) -> StoreResult<()>;
    /// Adds an article to a ticket.
    async fn insert_article(&mut self, article: &NewArticle) -> StoreResult<Article>;
    /// Stores a file with its ticket (and article).
    async fn insert_attachment(&mut self, attachment: &NewAttachment) -> StoreResult<Attachment>;
    /// Records history entries of a ticket.
    async fn record_history(&mut self, ticket: TicketId, entries: &[HistoryEntry]) -> StoreResult<()>;
    /// Queues follow-up work; a job whose `dedupe_key` is already queued is not queued twice.
    async fn enqueue_job(&mut self, job: &NewJob) -> StoreResult<()>;
    /// Removes a job as part of this transaction (a job that queues others finishes with them).
    async fn delete_job(&mut self, id: i64) -> StoreResult<()>;

    /// One unit.
    async fn unit(&mut self, id: UnitId) -> StoreResult<Option<Unit>>;
    /// Stores a new unit.
    async fn insert_unit(&mut self, unit: &NewUnit, at: OffsetDateTime) -> StoreResult<Unit>;
    /// Writes a unit back.
    async fn update_unit(&mut self, unit: &Unit) -> StoreResult<()>;
    /// One category.
    async fn category(&mut self, id: CategoryId) -> StoreResult<Option<Category>>;
    /// Stores a new category.
    async fn insert_category(&mut self, category: &NewCategory, at: OffsetDateTime) -> StoreResult<Category>;
    /// Writes a category back.
    async fn update_category(&mut self, category: &Category) -> StoreResult<()>;
    /// One working-hour calendar, read inside the transaction.
    async fn calendar(&mut self, id: CalendarId) -> StoreResult<Option<CalendarRecord>>;
    /// Stores a new working-hour calendar.
    async fn insert_calendar(&mut self, calendar: &NewCalendar, at: OffsetDateTime) -> StoreResult<CalendarRecord>;
    /// Writes a working-hour calendar back.
    async fn update_calendar(&mut self, calendar: &CalendarRecord) -> StoreResult<()>;
    /// One service level, read inside the transaction.
    async fn service_level(&mut self, id: ServiceLevelId) -> StoreResult<Option<ServiceLevel>>;
    /// Stores a new service level.
    async fn insert_service_level(&mut self, level: &NewServiceLevel, at: OffsetDateTime) -> StoreResult<ServiceLevel>;
    /// Writes a service level back.
    async fn update_service_level(&mut self, level: &ServiceLevel) -> StoreResult<()>;

    /// One account.
    async fn account(&mut self, id: AccountId) -> StoreResult<Option<Account>>;
    /// Stores a new account with its granted roles.
    async fn insert_account(
        &mut self,
        email: &str,
        name: &str,
        roles: &[Role],
        at: OffsetDateTime,
    ) -> StoreResult<Account>;
    /// Stores the hash of a new API token.
    async fn insert_token(
        &mut self,
        account: AccountId,
        name: &str,
        token_hash: &str,
        at: OffsetDateTime,
    ) -> StoreResult<i64>;
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file, created when missing.
    SqliteFile(std::path::PathBuf),
    /// A PostgreSQL server, by URL.
    Postgres(String),
}

/// Opens the store at `location` and brings its schema up to date.
pub async fn open(location: &Location) -> StoreResult<Arc<dyn Store>> {
    match location {
        Location::SqliteFile(path) => Ok(Arc::new(sqlite::open(path).await?)),
        Location::Postgres(url) => Ok(Arc::new(postgres::open(url).await?)),
    }
}

/// The migrations each engine runs, by version and description, to keep the two in step.
pub fn migrations(engine: Engine) -> Vec<(i64, String)> {
    let migrator = match engine {
        Engine::Sqlite => &sqlite::MIGRATOR,
        Engine::Postgres => &postgres::MIGRATOR,
    };
    migrator.iter().map(|m| (m.version, m.description.to_string())).collect()
}
