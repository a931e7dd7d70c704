//! The settings of one process, resolved once from flags, `HELPDESK_*` variables, the file and
//! the defaults, and what they make: the application, its search index, its mailer, and the
//! whole server ready to launch.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use helpdesk_app::mail::MailIdentity;
use helpdesk_app::sync::SyncRunner;
use helpdesk_app::timers::Scheduler;
use helpdesk_app::worker::Worker;
use helpdesk_app::{App, Clock, SystemClock};
use helpdesk_mail::Mailer;
use helpdesk_mail::imap::{ImapConfig, ImapPoller};
use helpdesk_search::SearchIndex;
use helpdesk_store::Location;
use helpdesk_web::tls::TlsFiles;
use helpdesk_web::{Proxies, ServerLimits, WebConfig};

use crate::config::{self, DEFAULT_DATA_DIR, FileConfig};
use crate::launch::{Background, Launch};
use crate::node::NodeName;

/// What the command line says over the file (each flag also has its `HELPDESK_*` variable,
/// which clap reads).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The configuration file.
    pub config: Option<PathBuf>,
    /// The data directory.
    pub data: Option<PathBuf>,
    /// A PostgreSQL URL instead of the embedded database.
    pub database_url: Option<String>,
    /// The address people reach Helpdesk at.
    pub public_url: Option<String>,
    /// The SMTP server for outgoing mail.
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    pub mail_from: Option<String>,
}

/// The settings every command resolves from flags, environment, file and defaults.
pub struct Settings {
    /// The file's keys, each overridden by its `HELPDESK_*` variable.
    pub file: FileConfig,
    /// The data directory (the embedded database, the node's name, its search index, its keys).
    pub data: PathBuf,
    /// The database.
    pub location: Location,
    /// The address people reach Helpdesk at; the listening address when unset.
    pub public_url: Option<String>,
    /// The SMTP server; without one, mail is written to `DATA/outbox`.
    pub smtp_url: Option<String>,
    /// The sender of outgoing mail.
    pub mail_from: String,
    /// Helpdesk's own address and subject tag.
    pub mail: MailIdentity,
    /// The mailbox Helpdesk reads, when one is configured.
    pub imap: Option<ImapConfig>,
    /// The clock of the application and its worker.
    pub clock: Arc<dyn Clock>,
    /// How long a request to another ticketing system may take.
    pub connector_timeout: Duration,
}

/// The sender when nothing says otherwise.
const DEFAULT_MAIL_FROM: &str = "Helpdesk <helpdesk@localhost>";

/// A key of the file, overridden by its `HELPDESK_*` variable when that is set.
fn env_over<T: std::str::FromStr>(name: &str, file: Option<T>) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) => value.parse().map(Some).map_err(|e| anyhow::anyhow!("{name}: {e}")),
        Err(_) => Ok(file),
    }
}

/// A list key of the file given by its `HELPDESK_*` variable instead, comma-separated, when that
/// is set (empty: an empty list).
fn env_list<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<Vec<T>>>
where
    T::Err: std::fmt::Display,
{
    let Ok(value) = std::env::var(name) else { return Ok(None) };
    let items = value.split(',').map(str::trim).filter(|item| !item.is_empty());
    let parsed = items.map(|item| item.parse().map_err(|e| anyhow::anyhow!("{name}: '{item}': {e}")));
    Ok(Some(parsed.collect::<anyhow::Result<Vec<T>>>()?))
}

impl Settings {
    /// The defaults for a database at `location` with its node's files in `data`: no file, no
    /// variable read.
    pub fn new(location: Location, data: PathBuf) -> Settings {
        Settings {
            file: FileConfig::default(),
            data,
            location,
            public_url: None,
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.to_owned(),
            mail: MailIdentity::new(DEFAULT_MAIL_FROM, "Helpdesk"),
            imap: None,
            clock: Arc::new(SystemClock),
            connector_timeout: helpdesk_bridges::Connectors::default().timeout(),
        }
    }

    /// Resolves the settings: `overrides` over the `HELPDESK_*` variables over the file over
    /// the defaults.
    pub fn resolve(overrides: &Overrides) -> anyhow::Result<Settings> {
        let mut file = FileConfig::load(overrides.config.as_deref())?;
        file.smtp_host = env_over("HELPDESK_SMTP_HOST", file.smtp_host.take())?;
        file.smtp_port = env_over("HELPDESK_SMTP_PORT", file.smtp_port.take())?;
        file.smtp_security = env_over("HELPDESK_SMTP_SECURITY", file.smtp_security.take())?;
        file.smtp_user = env_over("HELPDESK_SMTP_USER", file.smtp_user.take())?;
        file.smtp_password = env_over("HELPDESK_SMTP_PASSWORD", file.smtp_password.take())?;
        file.mail_address = env_over("HELPDESK_MAIL_ADDRESS", file.mail_address.take())?;
        file.mail_tag = env_over("HELPDESK_MAIL_TAG", file.mail_tag.take())?;
        file.search_index = env_over("HELPDESK_SEARCH_INDEX", file.search_index.take())?;
        file.time_zone = env_over("HELPDESK_TIME_ZONE", file.time_zone.take())?;
        if let Some(zone) = file.time_zone.as_deref().map(str::trim)
            && !helpdesk_app::calendars::is_time_zone(zone)
        {
            anyhow::bail!(
                "time_zone (HELPDESK_TIME_ZONE): '{zone}' is not a time zone; use an IANA name such as Europe/Berlin"
            );
        }
        file.monitoring_address = env_over("HELPDESK_MONITORING_ADDRESS", file.monitoring_address.take())?;
        if let Some(address) = file.monitoring_address.as_deref() {
            let mut errors = helpdesk_domain::validation::Errors::new();
            helpdesk_domain::validation::check_email(&mut errors, "monitoring_address", address.trim());
            if errors.finish(()).is_err() {
                anyhow::bail!("monitoring_address (HELPDESK_MONITORING_ADDRESS): '{address}' is not an e-mail address");
            }
        }
        file.imap_host = env_over("HELPDESK_IMAP_HOST", file.imap_host.take())?;
        file.imap_port = env_over("HELPDESK_IMAP_PORT", file.imap_port.take())?;
        file.imap_security = env_over("HELPDESK_IMAP_SECURITY", file.imap_security.take())?;
        file.imap_user = env_over("HELPDESK_IMAP_USER", file.imap_user.take())?;
        file.imap_password = env_over("HELPDESK_IMAP_PASSWORD", file.imap_password.take())?;
        file.imap_mailbox = env_over("HELPDESK_IMAP_MAILBOX", file.imap_mailbox.take())?;
        file.imap_poll_seconds = env_over("HELPDESK_IMAP_POLL_SECONDS", file.imap_poll_seconds.take())?;
        file.secret_key = env_over("HELPDESK_SECRET_KEY", file.secret_key.take())?;
        file.max_connections = env_over("HELPDESK_MAX_CONNECTIONS", file.max_connections.take())?;
        file.worker = env_over("HELPDESK_WORKER", file.worker.take())?;
        file.client_dn_header = env_over("HELPDESK_CLIENT_DN_HEADER", file.client_dn_header.take())?;
        file.client_issuer_header = env_over("HELPDESK_CLIENT_ISSUER_HEADER", file.client_issuer_header.take())?;
        if let Some(proxies) = env_list("HELPDESK_TRUSTED_PROXIES")? {
            file.trusted_proxies = proxies;
        }
        let data =
            overrides.data.clone().or_else(|| file.data.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = overrides.database_url.clone().or_else(|| file.database_url.clone());
        let location = config::location(database_url.as_deref(), &data)?;
        let public_url = overrides.public_url.clone().or_else(|| file.public_url.clone());
        let smtp_url = match overrides.smtp_url.clone().or_else(|| file.smtp_url.clone()) {
            Some(url) => Some(url),
            None => config::smtp_url_of(&file)?,
        };
        let mail_from = overrides
            .mail_from
            .clone()
            .or_else(|| file.mail_from.clone())
            .unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        let mail = MailIdentity::new(
            file.mail_address.as_deref().unwrap_or(&mail_from),
            file.mail_tag.as_deref().unwrap_or("Helpdesk"),
        )
        .sending_from(&mail_from);
        let imap = config::imap_of(&file)?;
        let mut settings = Settings::new(location, data);
        settings.public_url = public_url;
        settings.smtp_url = smtp_url;
        settings.mail_from = mail_from;
        settings.mail = mail;
        settings.imap = imap;
        settings.file = file;
        Ok(settings)
    }

    /// The application over the database (migrated), with its key, mail identity and connectors.
    pub async fn app(&self) -> anyhow::Result<App> {
        let store = helpdesk_store::open(&self.location)
            .await
            .with_context(|| format!("cannot open the database ({})", config::describe(&self.location)))?;
        let key = config::secret_key(self.file.secret_key.as_deref(), &self.data)?;
        let app = App::new(store)
            .with_clock(self.clock.clone())
            .with_mail_identity(self.mail.clone())
            .with_secret_key(&key)
            .with_monitoring_address(self.file.monitoring_address.as_deref())
            .with_connectors(Arc::new(helpdesk_bridges::Connectors::with_timeout(self.connector_timeout)));
        if let Some(zone) = &self.file.time_zone {
            app.adopt_default_time_zone(zone).await.with_context(|| format!("time_zone = \"{zone}\""))?;
        }
        Ok(match &self.public_url {
            Some(url) => app.with_public_url(url),
            None => app,
        })
    }

    /// This node's search index (opened, not yet caught up).
    pub fn search_index(&self, app: &App) -> anyhow::Result<SearchIndex> {
        let dir = self.file.search_index.clone().unwrap_or_else(|| self.data.join("search-index"));
        Ok(SearchIndex::open(&dir, app.store().clone())?)
    }

    /// Where outgoing mail goes: the SMTP server, or files in `DATA/outbox`.
    pub fn mailer(&self) -> anyhow::Result<Mailer> {
        Ok(match &self.smtp_url {
            Some(url) => Mailer::smtp(url, &self.mail_from)?,
            None => Mailer::files(self.data.join("outbox"), &self.mail_from)?,
        })
    }

    /// Takes this process's node name, and back what a process of that name held when it
    /// stopped (a crash leaves jobs, links and poll leases claimed until their leases run out).
    pub async fn take_back_claims(&self, app: &App) -> anyhow::Result<NodeName> {
        let node = NodeName::claim(&self.data)?;
        let (jobs, links) = app.store().release_claims(node.as_str()).await.context("cannot take back claims")?;
        if jobs + links > 0 {
            tracing::info!(node = node.as_str(), jobs, links, "took back what this node held when it stopped");
        }
        Ok(node)
    }

    /// The background duties of this node over `app`, as `duties` asks (the search follower
    /// needs `index`).
    pub fn background(
        &self,
        app: &App,
        node: NodeName,
        duties: Duties,
        index: Option<SearchIndex>,
    ) -> anyhow::Result<Background> {
        let worker = match duties.worker {
            Some(poll) => {
                let mailer = self.mailer()?;
                tracing::info!("outgoing mail goes to {}", mailer.describe());
                let worker = Worker::new(app.store().clone(), self.clock.clone(), node.as_str()).wake_on(app.commits());
                let worker = helpdesk_mail::with_mail_handlers(worker, app, mailer)
                    .map_err(|e| anyhow::anyhow!("the mail templates: {e}"))?;
                Some((worker, poll))
            }
            None => None,
        };
        let sync = duties.sync.then(|| SyncRunner::new(app.clone(), node.as_str().to_owned()));
        // The scheduler runs where the worker does: what its timers change is sent by the worker.
        let scheduler =
            duties.worker.is_some().then(|| Scheduler::new(app.clone(), node.as_str().to_owned(), SCHEDULER_TICK));
        let imap = match &self.imap {
            Some(config) if duties.imap => Some(ImapPoller::new(Arc::new(app.clone()), config.clone())),
            _ => None,
        };
        let follow = match (duties.follow_search, index) {
            (Some(every), Some(index)) => Some((index, every)),
            (Some(_), None) => anyhow::bail!("following the change log needs a search index"),
            (None, _) => None,
        };
        Ok(Background { worker, sync, scheduler, imap, follow, node })
    }

    /// The whole server of this node, to be served on `addr`: the application with its search
    /// index, the web configuration, and the background duties `serve` asks for.
    pub async fn launch(&self, addr: SocketAddr, serve: Serve) -> anyhow::Result<Launch> {
        let open_files = raise_open_files_limit();
        let app = self.app().await?;
        let index = self.search_index(&app)?;
        let app = app.with_search(Arc::new(index.clone()));
        let scheme = if serve.tls.is_some() { "https" } else { "http" };
        let app = if self.public_url.is_none() { app.with_public_url(&format!("{scheme}://{addr}")) } else { app };
        let node = self.take_back_claims(&app).await?;
        let background = self.background(&app, node, serve.duties, Some(index.clone()))?;
        let defaults = Proxies::default();
        let proxies = Proxies {
            trusted: self.file.trusted_proxies.clone(),
            subject_header: self.file.client_dn_header.clone().unwrap_or(defaults.subject_header).to_lowercase(),
            issuer_header: self.file.client_issuer_header.clone().unwrap_or(defaults.issuer_header).to_lowercase(),
        };
        let client_ca = serve.tls.as_ref().is_some_and(|tls| tls.client_ca.is_some());
        let certificate_login = client_ca || !proxies.trusted.is_empty();
        let limits = ServerLimits {
            max_connections: match self.file.max_connections {
                Some(0) => anyhow::bail!("max_connections must be at least 1"),
                Some(n) => n,
                None => ServerLimits::connections_for(open_files),
            },
            ..Default::default()
        };
        let first_admin = self.first_admin_commands();
        let web = WebConfig { oidc: self.file.oidc.clone(), proxies, certificate_login, limits, first_admin };
        Ok(Launch { app, search: index, web, tls: serve.tls, background })
    }

    /// The commands that make this installation's first admin, for the terminal and the home page.
    pub fn first_admin_commands(&self) -> Vec<String> {
        let data = self.data_args();
        vec![
            format!("helpdesk admin create-user --email you@example.org --name \"Your Name\" --role admin{data}"),
            format!("helpdesk admin set-password --email you@example.org{data}"),
        ]
    }

    /// What an admin command needs to find this installation's database: nothing with the
    /// default data directory, as the README's First steps write them.
    pub fn data_args(&self) -> String {
        match &self.location {
            Location::SqliteFile(_) if self.data == Path::new(DEFAULT_DATA_DIR) => String::new(),
            Location::SqliteFile(_) => format!(" --data {}", self.data.display()),
            Location::Postgres(_) => " --database-url URL".to_owned(),
        }
    }
}

/// How `serve` is asked to run.
pub struct Serve {
    /// Serve HTTPS with these files (and ask for client certificates when they name CAs).
    pub tls: Option<TlsFiles>,
    /// The background duties this process takes on.
    pub duties: Duties,
}

/// How often a node's scheduler looks for what is due: a timer fires within this of its moment.
const SCHEDULER_TICK: Duration = Duration::from_secs(5);

/// The background duties a process takes on besides serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duties {
    /// Run the job worker, looking for jobs this often besides at each commit.
    pub worker: Option<Duration>,
    /// Keep external-mode units in step with their systems.
    pub sync: bool,
    /// Read the configured IMAP mailbox.
    pub imap: bool,
    /// Follow the change log into this node's search index this often.
    pub follow_search: Option<Duration>,
}

impl Duties {
    /// What `serve` runs: the search follower always; the worker, the sync and the mailbox where
    /// the worker runs (one reader per node that works the queue).
    pub fn serve(with_worker: bool) -> Duties {
        Duties {
            worker: with_worker.then_some(Duration::from_secs(1)),
            sync: with_worker,
            imap: with_worker,
            follow_search: Some(Duration::from_millis(500)),
        }
    }

    /// What `helpdesk worker` runs: the worker, the sync and the mailbox, and no search index.
    pub fn worker() -> Duties {
        Duties { follow_search: None, ..Duties::serve(true) }
    }

    /// No duty at all: only the web server.
    pub fn none() -> Duties {
        Duties { worker: None, sync: false, imap: false, follow_search: None }
    }
}

/// Raises this process's limit of open files to the most it may have (services start with 1,024,
/// each connection takes one); returns the limit now in force.
fn raise_open_files_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the limit of open files");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft).unwrap_or(1024)
        }
    }
}
