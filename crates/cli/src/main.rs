//! `helpdesk`: the one binary. Serves the web application and API, runs the job worker, migrates
//! the database, administers accounts, and measures itself.

mod mailgate;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use helpdesk_app::AppError;
use helpdesk_app::teams::SyncedList;
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use helpdesk_server::config::{self, DEFAULT_LISTEN};
use helpdesk_server::{Duties, Overrides, Serve, Settings};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

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
    /// Keep teams (GGUS's TEAM and ALARM tickets) without a browser.
    Teams {
        #[command(subcommand)]
        command: TeamsCommand,
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
        command: helpdesk_bench::BenchCommand,
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

#[derive(Subcommand)]
enum TeamsCommand {
    /// Make a team.
    Create {
        /// Its name, unique (a virtual organisation's, e.g. atlas).
        #[arg(long)]
        name: String,
        /// Its own address, which gets its tickets' notifications.
        #[arg(long, default_value = "")]
        email: String,
    },
    /// Make a team's members (or alarmers) those of a list: one e-mail address or certificate
    /// DN a line, `#` for comments. Prints who joined and who left; the same list again changes
    /// nothing, and a list with a line that is neither changes nothing either.
    Sync {
        /// The team's name.
        #[arg(long)]
        team: String,
        /// The list's file (`-` for standard input).
        #[arg(long)]
        from: PathBuf,
        /// The list names the team's alarmers, not its members.
        #[arg(long)]
        alarmers: bool,
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
    /// The alarm right: a supporter may raise their unit's team tickets to alarms.
    Alarm,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Community => Role::Community,
            RoleArg::Partner => Role::Partner,
            RoleArg::Staff => Role::Staff,
            RoleArg::Admin => Role::Admin,
            RoleArg::MailGateway => Role::MailGateway,
            RoleArg::Alarm => Role::Alarm,
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

impl Global {
    /// What the command line says over the configuration file.
    fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            data: self.data.clone(),
            database_url: self.database_url.clone(),
            public_url: self.public_url.clone(),
            smtp_url: self.smtp_url.clone(),
            mail_from: self.mail_from.clone(),
        }
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
    let settings = match Settings::resolve(&cli.global.overrides()) {
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
            let node = settings.take_back_claims(&app).await?;
            let background = settings.background(&app, node, Duties::worker(), None)?;
            eprintln!("Helpdesk worker running on {}", config::describe(&settings.location));
            background.run(stop_on_signal()).await;
            app.store().close().await;
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
        Command::Teams { command } => teams(&settings, command).await,
        Command::Mailgate { .. } => Ok(()),
        Command::Openapi => {
            println!("{}", helpdesk_web::openapi_json());
            Ok(())
        }
        Command::Bench { command } => {
            helpdesk_bench::run(command, &cli.global.data, cli.global.database_url.as_deref()).await
        }
    }
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
    let listener = TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr().context("the listening address")?;
    let launch = settings.launch(addr, Serve { tls, duties: Duties::serve(run_worker) }).await?;
    let scheme = launch.scheme();
    println!(
        "Helpdesk {} listening on {scheme}://{addr} ({})",
        env!("CARGO_PKG_VERSION"),
        config::describe(&settings.location)
    );
    let app = launch.app.clone();
    if app.first_run().await? {
        println!(
            "No account exists yet. Make the first admin and give them a password to sign in at {scheme}://{addr}/login:"
        );
        for command in &launch.web.first_admin {
            println!("  {command}");
        }
        println!("and, for programs, a token for the API:");
        println!("  helpdesk admin create-token --email you@example.org{}", settings.data_args());
        println!("(from a source checkout: cargo run --release -- admin ...)");
    }
    helpdesk_server::launch(launch, listener, stop_on_signal()).await?;
    app.store().close().await;
    Ok(())
}

/// A token cancelled when the process is asked to stop (Ctrl-C, SIGTERM).
fn stop_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let stop = token.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing the requests and jobs under way");
        stop.cancel();
    });
    token
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

async fn teams(settings: &Settings, command: TeamsCommand) -> anyhow::Result<()> {
    let app = settings.app().await?;
    let system = Actor::system();
    let outcome = async {
        match command {
            TeamsCommand::Create { name, email } => {
                let team = app.create_team(&system, &name, &email).await?;
                println!("Created team {} (id {}).", team.name, team.id);
            }
            TeamsCommand::Sync { team, from, alarmers } => {
                let list = if from.as_os_str() == "-" {
                    std::io::read_to_string(std::io::stdin()).context("cannot read the list from standard input")?
                } else {
                    std::fs::read_to_string(&from).with_context(|| format!("cannot read {}", from.display()))?
                };
                let team = app.team_named(&system, &team).await?;
                let which = if alarmers { SyncedList::Alarmers } else { SyncedList::Members };
                let plan = app.sync_team(&system, team.id, &list, which).await?;
                let what = if alarmers { "alarmers" } else { "members" };
                for added in &plan.added {
                    println!("+ {added}");
                }
                for removed in &plan.removed {
                    println!("- {removed}");
                }
                println!("Team {}: {} {what} added, {} removed.", team.name, plan.added.len(), plan.removed.len());
            }
        }
        Ok::<(), anyhow::Error>(())
    }
    .await;
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
