//! Helpdesk's use cases. Each takes an [`Actor`](helpdesk_domain::policy::Actor) and a command,
//! asks the policy, applies the domain's rules, and writes the change, its history, its
//! change-log entry and its follow-up jobs in one transaction.

pub mod accounts;
pub mod catalog;
mod error;
pub mod tickets;
pub mod worker;

use std::sync::Arc;

use helpdesk_store::Store;
use time::OffsetDateTime;

pub use error::{AppError, AppResult};

/// Where the time comes from (a port, so tests can hold it still).
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The machine's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The application: the store and the ports, shared by every channel.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl App {
    /// The application over `store`, on the machine's clock.
    pub fn new(store: Arc<dyn Store>) -> App {
        App { store, clock: Arc::new(SystemClock) }
    }

    /// The same application on another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> App {
        self.clock = clock;
        self
    }

    /// The store, for health checks and the worker.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}
