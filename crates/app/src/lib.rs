//! Helpdesk's use cases. Each takes an [`Actor`](helpdesk_domain::policy::Actor) and a command,
//! asks the policy, applies the domain's rules, and writes the change, its history, its
//! change-log entry and its follow-up jobs in one transaction.

#![warn(missing_docs)]

/// The first hundred of a catalogue (units, categories), as the pages and rules read it.
pub(crate) const FIRST_HUNDRED: helpdesk_domain::paging::PageRequest =
    helpdesk_domain::paging::PageRequest { page: 1, per_page: 100 };

pub mod accounts;
pub mod attachments;
pub mod auth;
pub mod bulk;
pub mod calendars;
pub mod catalog;
pub mod certificates;
mod children;
pub mod clocks;
pub mod customers;
mod duplicates;
pub mod entitlements;
mod error;
pub mod followers;
pub mod inbound;
mod levels;
pub mod links;
pub mod mail;
pub mod membership;
pub mod notify;
pub mod oidc;
pub mod organisations;
mod origin;
pub mod relations;
pub mod search;
pub mod secrets;
pub mod service_levels;
pub mod sync;
pub mod teams;
pub mod ticket_view;
pub mod tickets;
pub mod timers;
pub mod work_lists;
pub mod worker;

use std::future::Future;
use std::sync::Arc;

use helpdesk_store::{Engine, Store, Tx};
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
    write_lane: Option<Arc<WriteLane>>,
    public_url: Arc<str>,
    mail: Arc<mail::MailIdentity>,
    search: Option<Arc<dyn search::TicketSearch>>,
    sealer: Option<Arc<secrets::Sealer>>,
    /// Signs the secret of a ticket's reply address for a unit's list.
    list_signer: Option<Arc<secrets::Signer>>,
    connect: Option<Arc<dyn sync::Connect>>,
    /// Counts this node's commits, so that its worker and sync runner take up a change at
    /// once rather than at their next look.
    committed: Arc<tokio::sync::watch::Sender<u64>>,
    /// Set once an account was seen to exist.
    accounts_exist: Arc<std::sync::atomic::AtomicBool>,
    /// Where the third escalation step of a late ticket is also told (a monitoring team).
    monitoring: Option<Arc<str>>,
    /// Units' service-level rules as lately read, for the tickets opened in them.
    rules: Arc<levels::RulesMemo>,
}

/// A thread of its own on which write transactions run when the engine has a single writer.
///
/// SQLite lets one transaction write at a time, so its duration bounds the write throughput.
/// Each statement is a round trip to the driver's thread; on the shared runtime the task holding
/// the transaction then waits in the run queue behind request parsing and rendering, and
/// everybody waits with it. On this lane it runs as soon as its statement returns.
struct WriteLane {
    handle: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl WriteLane {
    fn start() -> std::io::Result<WriteLane> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new().name("helpdesk-writer".into()).spawn(move || {
            runtime.block_on(async {
                let _ = stopped.await;
            })
        })?;
        Ok(WriteLane { handle, _stop: stop })
    }
}

impl App {
    /// The application over `store`, on the machine's clock.
    pub fn new(store: Arc<dyn Store>) -> App {
        let write_lane = match store.engine() {
            Engine::Sqlite => match WriteLane::start() {
                Ok(lane) => Some(Arc::new(lane)),
                Err(e) => {
                    tracing::warn!(error = %e, "no writer thread; writes run on the shared runtime");
                    None
                }
            },
            Engine::Postgres => None,
        };
        App {
            store,
            clock: Arc::new(SystemClock),
            write_lane,
            public_url: Arc::from("http://127.0.0.1:8080"),
            mail: Arc::new(mail::MailIdentity::default()),
            search: None,
            sealer: None,
            list_signer: None,
            connect: None,
            committed: Arc::new(tokio::sync::watch::Sender::new(0)),
            accounts_exist: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            monitoring: None,
            rules: Arc::default(),
        }
    }

    /// The same application, telling `address` too of a late ticket's third escalation step.
    pub fn with_monitoring_address(mut self, address: Option<&str>) -> App {
        self.monitoring = address.map(str::trim).filter(|a| !a.is_empty()).map(Arc::from);
        self
    }

    /// The same application, telling people it is reached at `url` (in e-mailed links).
    pub fn with_public_url(mut self, url: &str) -> App {
        self.public_url = Arc::from(url.trim_end_matches('/'));
        self
    }

    /// The same application, sealing connector credentials with a key derived from `secret`, and
    /// signing the reply addresses of units' lists with another.
    pub fn with_secret_key(mut self, secret: &[u8]) -> App {
        self.sealer = Some(Arc::new(secrets::Sealer::new(secret)));
        self.list_signer = Some(Arc::new(secrets::Signer::new(secret, "list reply address")));
        self
    }

    /// The same application, reaching other ticketing systems through `connect`.
    pub fn with_connectors(mut self, connect: Arc<dyn sync::Connect>) -> App {
        self.connect = Some(connect);
        self
    }

    /// The same application, signing its mail as `identity`.
    pub fn with_mail_identity(mut self, identity: mail::MailIdentity) -> App {
        self.mail = Arc::new(identity);
        self
    }

    /// How this installation signs its mail.
    pub fn mail_identity(&self) -> &mail::MailIdentity {
        &self.mail
    }

    /// Where people reach this installation.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Runs `work` in a new write transaction (on the write lane when there is one). `work`
    /// commits; a transaction it does not commit is rolled back.
    async fn write<T, F, Fut>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(Box<dyn Tx>) -> Fut + Send + 'static,
        Fut: Future<Output = AppResult<T>> + Send + 'static,
    {
        let store = self.store.clone();
        let job = async move { work(store.begin().await?).await };
        let done = match &self.write_lane {
            Some(lane) => {
                lane.handle.spawn(job).await.map_err(|e| AppError::Internal(format!("a write failed: {e}")))?
            }
            None => job.await,
        };
        if done.is_ok() {
            self.committed.send_modify(|n| *n = n.wrapping_add(1));
        }
        done
    }

    /// The same application on another clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> App {
        self.clock = clock;
        self
    }

    /// Changes with every commit of this node: what follows the changes waits on it.
    pub fn commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.committed.subscribe()
    }

    /// The store, for health checks and the worker.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The time, to the microsecond: what both engines store, so that what a use case returns
    /// is what a later read gives.
    pub fn now(&self) -> OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
    }

    /// Whether no account exists yet (the installation waits for its first admin). Once one
    /// does, it always will: that is remembered, and the database no longer asked.
    pub async fn first_run(&self) -> AppResult<bool> {
        if self.accounts_exist.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(false);
        }
        let exist = self.store.has_accounts().await?;
        self.accounts_exist.store(exist, std::sync::atomic::Ordering::Relaxed);
        Ok(!exist)
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}
