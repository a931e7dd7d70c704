//! `helpdesk`: the one binary. Serves the web application and API, runs the job worker, migrates
//! the database, administers accounts, and measures itself.

mod bench;
mod bench_notify;
mod bench_run;
mod bench_sync;
mod config;
mod mailgate;
mod node;
mod seed;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use helpdesk_app::mail::MailIdentity;
use helpdesk_app::sync::SyncRunner;
use helpdesk_app::worker::Worker;
use helpdesk_app::{App, AppError, SystemClock};
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use helpdesk_mail::Mailer;
use helpdesk_mail::imap::{ImapConfig, ImapPoller};
use helpdesk_search::SearchIndex;
use helpdesk_store::Location;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{DEFAULT_DATA_DIR, DEFAULT_LISTEN, FileConfig};

/// Helpdesk: tickets, support units and the people who work them, in one binary.
#[derive(Parser)]
#[command(name = "helpdesk", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Configuration file (TOML); every key can also be set by a HELPDESK_* variable or a flag.
    #[arg(long, env = "HELPDESK_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory of the embedded SQLite database [default: ./helpdesk-data].
    #[arg(long, env = "HELPDESK_DATA", global = true)]
    data: Option<PathBuf>,
    /// PostgreSQL URL (postgres://USER@HOST/DB), instead of the embedded SQLite database.
    #[arg(long, env = "HELPDESK_DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// The address people reach Helpdesk at, for links in e-mail [default: http://LISTEN].
    #[arg(long, env = "HELPDESK_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// SMTP server for outgoing mail (smtp://, smtps://; user:password@ for credentials).
    #[arg(long, env = "HELPDESK_SMTP_URL", global = true, hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of outgoing mail [default: Helpdesk <helpdesk@localhost>].
    #[arg(long, env = "HELPDESK_MAIL_FROM", global = true)]
    mail_from: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (and run the job worker) until stopped.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "HELPDESK_LISTEN")]
        listen: Option<SocketAddr>,
        /// Do not run the job worker in this process (run `helpdesk worker` elsewhere).
        #[arg(long)]
        no_worker: bool,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, env = "HELPDESK_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, env = "HELPDESK_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Ask for client certificates from these CAs (PEM): a linked certificate signs its owner in.
        #[arg(long, env = "HELPDESK_CLIENT_CA")]
        client_ca: Option<PathBuf>,
    },
    /// Run only the job worker, until stopped.
    Worker,
    /// Create or bring the database schema up to date, then exit.
    Migrate,
    /// Build this node's search index again from the database, with a progress line.
    Reindex,
    /// Manage accounts and tokens without a browser.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Hand one raw message on standard input to a Helpdesk server (for an MTA's pipe); exits
    /// 75 (try again) when the server cannot take it now.
    Mailgate {
        /// The server's address, e.g. https://helpdesk.example.org.
        #[arg(long, env = "HELPDESK_MAILGATE_URL")]
        url: String,
        /// A token of an account with the mail_gateway role.
        #[arg(long, env = "HELPDESK_MAILGATE_TOKEN", hide_env_values = true)]
        token: String,
        /// Seconds to wait for the server.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// The envelope's recipient, as the MTA gives it ($RECIPIENT, ${local_part}@${domain}):
        /// it routes the message to that address's unit, a Bcc included; empty is none.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Measure Helpdesk (prints figures; see docs/performance.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account.
    CreateUser {
        /// E-mail address (the account's login).
        #[arg(long)]
        email: String,
        /// Name shown to others.
        #[arg(long)]
        name: String,
        /// A granted role; repeat for several [default: community].
        #[arg(long = "role", value_enum)]
        roles: Vec<RoleArg>,
    },
    /// Set an account's password, read from standard input (one line).
    SetPassword {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Issue an API token for an account; it is printed once, only its hash is stored.
    CreateToken {
        /// The account's e-mail address.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// The roles an account can be granted (the others follow from units and contracts).
#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Community,
    Partner,
    Staff,
    Admin,
    /// An MTA's gateway: may only hand in mail (`helpdesk mailgate`).
    MailGateway,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Community => Role::Community,
            RoleArg::Partner => Role::Partner,
            RoleArg::Staff => Role::Staff,
            RoleArg::Admin => Role::Admin,
            RoleArg::MailGateway => Role::MailGateway,
        }
    }
}

/// glibc gives threads that allocate at once arenas of their own, up to eight per core, and keeps
/// what each frees: under load that more than doubled the server's private memory (172 MiB
/// against 71 MiB at 10,000 tickets) for no throughput. One arena per core is enough; the
/// MALLOC_ARENA_MAX variable still decides when it is set.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2);
        let arenas = libc::c_int::try_from(cores).unwrap_or(2);
        // SAFETY: mallopt only sets a parameter of the allocator; it runs before any thread starts.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// The settings every command resolves from flags, environment, file and defaults.
struct Settings {
    file: FileConfig,
    data: PathBuf,
    location: Location,
    public_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: String,
    mail: MailIdentity,
    imap: Option<ImapConfig>,
}

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
    fn resolve(global: &Global) -> anyhow::Result<Settings> {
        let mut file = FileConfig::load(global.config.as_deref())?;
        file.smtp_host = env_over("HELPDESK_SMTP_HOST", file.smtp_host.take())?;
        file.smtp_port = env_over("HELPDESK_SMTP_PORT", file.smtp_port.take())?;
        file.smtp_security = env_over("HELPDESK_SMTP_SECURITY", file.smtp_security.take())?;
        file.smtp_user = env_over("HELPDESK_SMTP_USER", file.smtp_user.take())?;
        file.smtp_password = env_over("HELPDESK_SMTP_PASSWORD", file.smtp_password.take())?;
        file.mail_address = env_over("HELPDESK_MAIL_ADDRESS", file.mail_address.take())?;
        file.mail_tag = env_over("HELPDESK_MAIL_TAG", file.mail_tag.take())?;
        file.search_index = env_over("HELPDESK_SEARCH_INDEX", file.search_index.take())?;
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
        let data = global.data.clone().or_else(|| file.data.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = global.database_url.clone().or_else(|| file.database_url.clone());
        let location = config::location(database_url.as_deref(), &data)?;
        let public_url = global.public_url.clone().or_else(|| file.public_url.clone());
        let smtp_url = match global.smtp_url.clone().or_else(|| file.smtp_url.clone()) {
            Some(url) => Some(url),
            None => config::smtp_url_of(&file)?,
        };
        let mail_from = global
            .mail_from
            .clone()
            .or_else(|| file.mail_from.clone())
            .unwrap_or_else(|| "Helpdesk <helpdesk@localhost>".to_owned());
        let mail = MailIdentity::new(
            file.mail_address.as_deref().unwrap_or(&mail_from),
            file.mail_tag.as_deref().unwrap_or("Helpdesk"),
        )
        .sending_from(&mail_from);
        let imap = config::imap_of(&file)?;
        Ok(Settings { file, data, location, public_url, smtp_url, mail_from, mail, imap })
    }

    async fn app(&self) -> anyhow::Result<App> {
        let store = helpdesk_store::open(&self.location)
            .await
            .with_context(|| format!("cannot open the database ({})", config::describe(&self.location)))?;
        let key = config::secret_key(self.file.secret_key.as_deref(), &self.data)?;
        let app = App::new(store)
            .with_mail_identity(self.mail.clone())
            .with_secret_key(&key)
            .with_connectors(Arc::new(helpdesk_bridges::Connectors::default()));
        Ok(match &self.public_url {
            Some(url) => app.with_public_url(url),
            None => app,
        })
    }

    /// This node's search index (opened, not yet caught up).
    fn search_index(&self, app: &App) -> anyhow::Result<SearchIndex> {
        let dir = self.file.search_index.clone().unwrap_or_else(|| self.data.join("search-index"));
        Ok(SearchIndex::open(&dir, app.store().clone())?)
    }

    fn mailer(&self) -> anyhow::Result<Mailer> {
        Ok(match &self.smtp_url {
            Some(url) => Mailer::smtp(url, &self.mail_from)?,
            None => Mailer::files(self.data.join("outbox"), &self.mail_from)?,
        })
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    // One TLS stack, one crypto provider: rustls with ring, for the server and every client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if let Command::Mailgate { url, token, timeout, recipient } = &cli.command {
        return mailgate::run(url, token, recipient.as_deref(), Duration::from_secs(*timeout));
    }
    let settings = match Settings::resolve(&cli.global) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    init_logging(settings.file.log.as_deref());
    let runtime = match &cli.command {
        // The load generator stays on one thread, leaving the other core to the server it measures.
        Command::Bench { .. } => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => return fail(&anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match runtime.block_on(run(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    match e.downcast_ref::<AppError>() {
        Some(AppError::Invalid(errors)) => {
            eprintln!("error: invalid input");
            for error in errors {
                eprintln!("  --{}: {}", error.field, error.message);
            }
        }
        _ => eprintln!("error: {e:#}"),
    }
    ExitCode::FAILURE
}

fn init_logging(file_level: Option<&str>) {
    let filter = std::env::var("HELPDESK_LOG")
        .ok()
        .or_else(|| file_level.map(str::to_owned))
        .unwrap_or_else(|| "info,sqlx=warn".to_owned());
    let filter =
        tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, no_worker, tls_cert, tls_key, client_ca } => {
            let cert = tls_cert.or_else(|| settings.file.tls_cert.clone());
            let key = tls_key.or_else(|| settings.file.tls_key.clone());
            let client_ca = client_ca.or_else(|| settings.file.client_ca.clone());
            let tls = match (cert, key) {
                (Some(cert), Some(key)) => Some(helpdesk_web::tls::TlsFiles { cert, key, client_ca }),
                (None, None) if client_ca.is_none() => None,
                _ => anyhow::bail!("serving HTTPS needs both tls_cert and tls_key (and client_ca needs both)"),
            };
            serve(&settings, listen, !no_worker, tls).await
        }
        Command::Worker => {
            let app = settings.app().await?;
            let node = take_back_claims(&app, &settings).await?;
            let (tx, rx) = watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = tx.send(true);
            });
            let worker = worker(&app, &settings, &node)?;
            eprintln!("Helpdesk worker running on {}", config::describe(&settings.location));
            let imap = read_imap(&app, &settings, rx.clone());
            let sync = tokio::spawn(SyncRunner::new(app.clone(), node.as_str().to_owned()).run(rx.clone()));
            worker.run(Duration::from_secs(1), rx).await;
            let _ = sync.await;
            if let Some(task) = imap {
                let _ = task.await;
            }
            Ok(())
        }
        Command::Migrate => {
            let app = settings.app().await?;
            app.store().close().await;
            println!("The database is up to date ({}).", config::describe(&settings.location));
            Ok(())
        }
        Command::Reindex => {
            let app = settings.app().await?;
            let index = settings.search_index(&app)?;
            eprintln!("Rebuilding the search index in {}", index.dir().display());
            let started = std::time::Instant::now();
            let progress = |done: usize, total: usize| {
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                eprint!("\r  {done} of {total} tickets ({percent} %)");
            };
            let built = index.rebuild(&progress).await?;
            eprintln!();
            println!("Indexed {built} tickets in {:.1} s.", started.elapsed().as_secs_f64());
            app.store().close().await;
            Ok(())
        }
        Command::Admin { command } => admin(&settings, command).await,
        Command::Mailgate { .. } => Ok(()),
        Command::Openapi => {
            println!("{}", helpdesk_web::openapi_json());
            Ok(())
        }
        Command::Bench { command } => bench::run(command, &cli.global.data, cli.global.database_url.as_deref()).await,
    }
}

/// Polls the IMAP mailbox until `stop`, when one is configured.
fn read_imap(app: &App, settings: &Settings, stop: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
    let config = settings.imap.clone()?;
    Some(tokio::spawn(ImapPoller::new(Arc::new(app.clone()), config).run(stop)))
}

/// Takes this process's node name, and back what a process of that name held when it stopped
/// (a crash leaves jobs, links and poll leases claimed until their leases run out).
async fn take_back_claims(app: &App, settings: &Settings) -> anyhow::Result<node::NodeName> {
    let node = node::NodeName::claim(&settings.data)?;
    let (jobs, links) = app.store().release_claims(node.as_str()).await.context("cannot take back claims")?;
    if jobs + links > 0 {
        tracing::info!(node = node.as_str(), jobs, links, "took back what this node held when it stopped");
    }
    Ok(node)
}

/// The job worker with every handler this node has.
fn worker(app: &App, settings: &Settings, node: &node::NodeName) -> anyhow::Result<Worker> {
    let mailer = settings.mailer()?;
    tracing::info!("outgoing mail goes to {}", mailer.describe());
    let worker = Worker::new(app.store().clone(), Arc::new(SystemClock), node.as_str()).wake_on(app.commits());
    helpdesk_mail::with_mail_handlers(worker, app, mailer).map_err(|e| anyhow::anyhow!("the mail templates: {e}"))
}

async fn serve(
    settings: &Settings,
    listen: Option<SocketAddr>,
    run_worker: bool,
    tls: Option<helpdesk_web::tls::TlsFiles>,
) -> anyhow::Result<()> {
    let listen = match listen.or(settings.file.listen) {
        Some(addr) => addr,
        None => DEFAULT_LISTEN.parse().context("the default address")?,
    };
    let run_worker = run_worker && settings.file.worker.unwrap_or(true);
    let open_files = raise_open_files_limit();
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("the listening address")?;
    let app = settings.app().await?;
    let index = settings.search_index(&app)?;
    let app = app.with_search(Arc::new(index.clone()));
    let scheme = if tls.is_some() { "https" } else { "http" };
    let app = if settings.public_url.is_none() { app.with_public_url(&format!("{scheme}://{addr}")) } else { app };
    let node = take_back_claims(&app, settings).await?;
    let worker = if run_worker { Some(worker(&app, settings, &node)?) } else { None };
    println!(
        "Helpdesk {} listening on {scheme}://{addr} ({})",
        env!("CARGO_PKG_VERSION"),
        config::describe(&settings.location)
    );
    let first_admin = first_admin_commands(settings);
    if app.first_run().await? {
        println!(
            "No account exists yet. Make the first admin and give them a password to sign in at {scheme}://{addr}/login:"
        );
        for command in &first_admin {
            println!("  {command}");
        }
        println!("and, for programs, a token for the API:");
        println!("  helpdesk admin create-token --email you@example.org{}", data_args(settings));
        println!("(from a source checkout: cargo run --release -- admin ...)");
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    // The mailbox is read where the worker runs: one reader per node that works the queue.
    let imap_task = if run_worker { read_imap(&app, settings, stop_rx.clone()) } else { None };
    let worker_task = worker.map(|w| tokio::spawn(w.run(Duration::from_secs(1), stop_rx.clone())));
    // External-mode units are kept in step where the worker runs.
    let sync_task =
        run_worker.then(|| tokio::spawn(SyncRunner::new(app.clone(), node.as_str().to_owned()).run(stop_rx.clone())));
    // A change is searchable on every node within the follower's interval of its commit.
    let index_task = tokio::spawn(index.follow(Duration::from_millis(500), stop_rx.clone()));
    let mut server_stop = stop_rx.clone();
    let defaults = helpdesk_web::Proxies::default();
    let proxies = helpdesk_web::Proxies {
        trusted: settings.file.trusted_proxies.clone(),
        subject_header: settings.file.client_dn_header.clone().unwrap_or(defaults.subject_header).to_lowercase(),
        issuer_header: settings.file.client_issuer_header.clone().unwrap_or(defaults.issuer_header).to_lowercase(),
    };
    let certificate_login = settings.file.client_ca.is_some() || !proxies.trusted.is_empty();
    let limits = helpdesk_web::ServerLimits {
        max_connections: match settings.file.max_connections {
            Some(0) => anyhow::bail!("max_connections must be at least 1"),
            Some(n) => n,
            None => helpdesk_web::ServerLimits::connections_for(open_files),
        },
        ..Default::default()
    };
    let web =
        helpdesk_web::WebConfig { oidc: settings.file.oidc.clone(), proxies, certificate_login, limits, first_admin };
    let stopped = async move {
        let _ = server_stop.wait_for(|stop| *stop).await;
    };
    let server = async {
        match &tls {
            Some(files) => {
                let config = helpdesk_web::tls::server_config(files)?;
                let listener = helpdesk_web::tls::TlsListener::new(listener, config)?;
                Ok::<_, anyhow::Error>(helpdesk_web::serve_tls(listener, app.clone(), web, stopped).await?)
            }
            None => Ok(helpdesk_web::serve_with(listener, app.clone(), web, stopped).await?),
        }
    };
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing the requests under way");
        let _ = stop_tx.send(true);
    });
    server.await.context("the server stopped with an error")?;
    for task in [worker_task, imap_task, sync_task, Some(index_task)].into_iter().flatten() {
        let _ = task.await;
    }
    app.store().close().await;
    Ok(())
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

/// The commands that make this installation's first admin, for the terminal and the home page.
fn first_admin_commands(settings: &Settings) -> Vec<String> {
    let data = data_args(settings);
    vec![
        format!("helpdesk admin create-user --email you@example.org --name \"Your Name\" --role admin{data}"),
        format!("helpdesk admin set-password --email you@example.org{data}"),
    ]
}

/// What an admin command needs to find this installation's database: nothing with the default
/// data directory, as the README's First steps write them.
fn data_args(settings: &Settings) -> String {
    match &settings.location {
        Location::SqliteFile(_) if settings.data == std::path::Path::new(DEFAULT_DATA_DIR) => String::new(),
        Location::SqliteFile(_) => format!(" --data {}", settings.data.display()),
        Location::Postgres(_) => " --database-url URL".to_owned(),
    }
}

async fn admin(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    let app = settings.app().await?;
    let system = Actor::system();
    let outcome = match command {
        AdminCommand::CreateUser { email, name, roles } => {
            let roles: Vec<Role> = roles.into_iter().map(Role::from).collect();
            let account = app.create_account(&system, &email, &name, &roles).await?;
            let roles: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
            println!(
                "Created account {} <{}> (id {}, roles: {}).",
                account.name,
                account.email,
                account.id,
                roles.join(", ")
            );
            Ok(())
        }
        AdminCommand::SetPassword { email } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            app.set_password(&system, &email, password).await?;
            println!("The password of {email} is set; its sessions have ended.");
            Ok(())
        }
        AdminCommand::CreateToken { email, name } => {
            let token = app.create_token(&system, &email, &name).await?;
            println!("{}", token.secret);
            eprintln!("This is the only time the token is shown; use it as 'Authorization: Bearer TOKEN'.");
            Ok(())
        }
    };
    app.store().close().await;
    outcome
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
