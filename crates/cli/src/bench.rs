//! `helpdesk bench`: programs that print figures. Never timing assertions in tests.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use helpdesk_app::App;
use helpdesk_domain::account::Role;
use helpdesk_domain::policy::Actor;
use serde_json::{Value, json};

use helpdesk_server::config;

/// What to measure.
#[derive(Subcommand)]
pub enum BenchCommand {
    /// Create tickets through the HTTP API with concurrent clients; print tickets/s and latency.
    Api(ApiBench),
    /// Fill a fresh database with tickets, then time the pages that list and show them.
    Pages(PagesBench),
    /// Hand in messages through POST /api/v1/mail/inbound; print messages accepted and
    /// processed per second, and notification mails delivered per second.
    Mail(MailBench),
    /// Fill an empty database with a realistic, deterministic data set and build its search
    /// index (the database of --data or --database-url).
    Seed(SeedBench),
    /// Time the kinds of search on a seeded database, as a community user and as a supporter.
    Search(SearchBench),
    /// Drive a running server over HTTP with the mix of what people do (on a database filled
    /// by `bench seed`); print per operation throughput, p50, p99, max and errors.
    Run(crate::bench_run::RunBench),
    /// Time how fast replies travel to another Helpdesk (and RT, with --rt) and back, and how
    /// fast 1,000 tickets escalated at once reach the other Helpdesk, none lost or doubled.
    Sync(crate::bench_sync::SyncBench),
    /// Open tickets at a steady rate and time how soon each one's notifications reach the mail
    /// server (the benchmark is that server).
    Notify(crate::bench_notify::NotifyBench),
}

/// Options of the seed.
#[derive(Args)]
pub struct SeedBench {
    /// Tickets to write.
    #[arg(long, default_value_t = 10_000)]
    tickets: i64,
    /// The seed of the random data: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write every ticket as a JSON line to this file, for `bench/rt-load.pl` to load the
    /// same tickets into Request Tracker.
    #[arg(long)]
    export_rt: Option<PathBuf>,
}

/// Options of the search benchmark.
#[derive(Args)]
pub struct SearchBench {
    /// Searches of each kind, for each person.
    #[arg(long, default_value_t = 200)]
    rounds: usize,
    /// The seed the database was filled with (it picks the same words).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Options of the mail benchmark.
#[derive(Args)]
pub struct MailBench {
    /// Messages to hand in (the run also stops after --seconds).
    #[arg(long, default_value_t = 5_000)]
    messages: i64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Longest run, in seconds (posting and processing each).
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Deliver notifications to this SMTP server (e.g. the loopback capture of
    /// ../shared/peers/mail); without it they are written as files in the server's outbox.
    #[arg(long)]
    smtp_url: Option<String>,
}

/// Options of the pages benchmark.
#[derive(Args)]
pub struct PagesBench {
    /// Tickets to create before measuring.
    #[arg(long, default_value_t = 10_000)]
    tickets: i64,
    /// Requests per page measured.
    #[arg(long, default_value_t = 50)]
    rounds: usize,
}

/// Options of the API benchmark.
#[derive(Args)]
pub struct ApiBench {
    /// A running server to measure; without it, one is started on a fresh database
    /// (SQLite in a temporary directory, or the --database-url given).
    #[arg(long, requires = "token")]
    url: Option<String>,
    /// An admin's API token for --url.
    #[arg(long)]
    token: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Tickets to create in the measured run (the run also stops after --seconds).
    #[arg(long, default_value_t = 20_000)]
    requests: i64,
    /// Longest measured run, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Tickets created before measuring, to warm caches and connections.
    #[arg(long, default_value_t = 500)]
    warmup: i64,
}

/// Runs a benchmark.
pub async fn run(command: BenchCommand, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    match command {
        BenchCommand::Api(args) => api(args, data, database_url).await,
        BenchCommand::Pages(args) => pages(args, data, database_url).await,
        BenchCommand::Mail(args) => mail(args, data, database_url).await,
        BenchCommand::Seed(args) => seed(args, data, database_url).await,
        BenchCommand::Search(args) => search(args, data, database_url).await,
        BenchCommand::Run(args) => crate::bench_run::run(args, data).await,
        BenchCommand::Notify(args) => crate::bench_notify::run(args, data, database_url).await,
        BenchCommand::Sync(args) => crate::bench_sync::run(args).await,
    }
}

async fn api(args: ApiBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let (url, token, server) = match (&args.url, &args.token) {
        (Some(url), Some(token)) => (url.trim_end_matches('/').to_owned(), token.clone(), None),
        _ => {
            let server = OwnServer::start(data, database_url).await?;
            (server.url.clone(), server.token.clone(), Some(server))
        }
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")?;
    let category = setup_category(&client, &url, &token).await?;
    println!("Creating tickets at {url}/api/v1/tickets with {} clients", args.clients);
    load(&client, &url, &token, category, args.clients, args.warmup, Duration::from_secs(args.seconds)).await?;
    let wal = server.as_ref().and_then(OwnServer::sqlite_file).map(WalWatch::start);
    let report =
        load(&client, &url, &token, category, args.clients, args.requests, Duration::from_secs(args.seconds)).await?;
    report.print(args.clients);
    if let Some(wal) = wal {
        wal.print();
    }
    drop(server);
    Ok(())
}

/// Follows the size of an SQLite database's write-ahead log during a run.
struct WalWatch {
    db: PathBuf,
    peak: std::sync::Arc<std::sync::atomic::AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl WalWatch {
    /// Looks at the log beside `db` every 50 ms until printed.
    fn start(db: PathBuf) -> WalWatch {
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (wal, seen) = (wal_of(&db), peak.clone());
        let task = tokio::spawn(async move {
            loop {
                let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                seen.fetch_max(size, std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        WalWatch { db, peak, task }
    }

    fn print(self) {
        self.task.abort();
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        let size = |path: &std::path::Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        println!(
            "SQLite write-ahead log: peak {:.1} MiB during the run, {:.1} MiB at its end (database {:.1} MiB)",
            mib(self.peak.load(std::sync::atomic::Ordering::Relaxed)),
            mib(size(&wal_of(&self.db))),
            mib(size(&self.db))
        );
    }
}

/// The write-ahead log of an SQLite database file.
fn wal_of(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// The password of the benchmark's admin, who signs in to the pages.
const BENCH_PASSWORD: &str = "bench password, not a secret";

async fn pages(args: PagesBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let server = OwnServer::start(data, database_url).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("an HTTP client")?;
    let category = setup_category(&client, &server.url, &server.token).await?;
    println!("Creating {} tickets", args.tickets);
    let made = load(&client, &server.url, &server.token, category, 4, args.tickets, Duration::from_secs(600)).await?;
    if made.errors > 0 {
        bail!("{} tickets could not be created", made.errors);
    }
    let admin = signed_in(&server).await?;
    let last = (args.tickets + 24) / 25;
    let middle = args.tickets / 2;
    let paths = [
        "/".to_owned(),
        "/tickets".to_owned(),
        format!("/tickets?page={last}"),
        "/tickets?q=storage".to_owned(),
        "/tickets?state=open&status=new".to_owned(),
        format!("/tickets/{middle}"),
        "/dashboard".to_owned(),
    ];
    println!("Server time of each page over loopback, {} requests each (median, p90):", args.rounds);
    for (who, client) in [("visitor", &client), ("admin", &admin)] {
        for path in &paths {
            if who == "visitor" && path == "/dashboard" {
                continue;
            }
            let mut times = Vec::with_capacity(args.rounds);
            for _ in 0..args.rounds {
                let t0 = Instant::now();
                let response = client.get(format!("{}{path}", server.url)).send().await?;
                let status = response.status();
                response.bytes().await?;
                if !status.is_success() {
                    bail!("GET {path} as {who} answered {status}");
                }
                times.push(t0.elapsed());
            }
            times.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let p90 = times[(times.len() * 9 / 10).min(times.len() - 1)];
            println!("  {who:<7} GET {path:<32} {:>7.2} ms {:>7.2} ms", ms(times[times.len() / 2]), ms(p90));
        }
    }
    Ok(())
}

/// A client signed in to the pages as the benchmark's admin.
async fn signed_in(server: &OwnServer) -> anyhow::Result<reqwest::Client> {
    crate::bench_run::page_session(&server.url, &server.email, BENCH_PASSWORD).await
}

/// A server started for the benchmark, stopped when dropped.
pub(crate) struct OwnServer {
    child: Child,
    pub(crate) url: String,
    pub(crate) token: String,
    email: String,
    temp: Option<PathBuf>,
    location: helpdesk_store::Location,
    data_dir: PathBuf,
}

impl OwnServer {
    /// The database file, when the server runs on SQLite.
    fn sqlite_file(&self) -> Option<PathBuf> {
        match &self.location {
            helpdesk_store::Location::SqliteFile(path) => Some(path.clone()),
            helpdesk_store::Location::Postgres(_) => None,
        }
    }

    async fn start(data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<OwnServer> {
        OwnServer::start_with(data, database_url, &[]).await
    }

    /// A server started with `extra` arguments to `serve`.
    pub(crate) async fn start_with(
        data: &Option<PathBuf>,
        database_url: Option<&str>,
        extra: &[String],
    ) -> anyhow::Result<OwnServer> {
        let temp = match (data, database_url) {
            (None, None) => Some(std::env::temp_dir().join(format!("helpdesk-bench-{}", std::process::id()))),
            _ => None,
        };
        let data_dir = temp.clone().or_else(|| data.clone()).unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
        let location = config::location(database_url, &data_dir)?;
        println!("Starting a server on {}", config::describe(&location));
        let app = App::new(helpdesk_store::open(&location).await?);
        let location = location.clone();
        let email = format!("bench-{}@example.org", std::process::id());
        app.create_account(&Actor::system(), &email, "Bench admin", &[Role::Admin]).await?;
        let token = app.create_token(&Actor::system(), &email, "bench").await?.secret;
        app.set_password(&Actor::system(), &email, BENCH_PASSWORD).await?;
        app.store().close().await;

        let port = free_port()?;
        let exe = std::env::current_exe().context("cannot find the helpdesk binary")?;
        let mut command = Command::new(exe);
        command.arg("serve").arg("--listen").arg(format!("127.0.0.1:{port}")).arg("--data").arg(&data_dir);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        command.args(extra);
        let child =
            command.env("HELPDESK_LOG", "warn").stdout(Stdio::null()).spawn().context("cannot start the server")?;
        let server =
            OwnServer { child, url: format!("http://127.0.0.1:{port}"), token, email, temp, location, data_dir };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/readyz", self.url)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the server did not become ready within 30 s")
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = &self.temp {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

pub(crate) async fn setup_category(client: &reqwest::Client, url: &str, token: &str) -> anyhow::Result<i64> {
    let suffix = std::process::id();
    let unit: Value = post(
        client,
        url,
        token,
        "/api/v1/units",
        &json!({
            "name": format!("Bench 1st line {suffix}"), "level": 1, "email": "first-line@example.org"
        }),
    )
    .await?;
    let category: Value = post(client, url, token, "/api/v1/categories", &json!({
        "name": format!("Bench installation {suffix}"),
        "default_unit": unit["id"],
        "fields": [
            {"key": "version", "label": "Product version", "type": "text", "required": true},
            {"key": "os", "label": "Operating system", "type": "choice", "choices": ["Ubuntu", "RHEL", "Debian"], "required": true},
            {"key": "bits_64", "label": "64-bit hardware confirmed", "type": "bool", "required": true}
        ]
    }))
    .await?;
    category["id"].as_i64().context("the category has no id")
}

async fn post(client: &reqwest::Client, url: &str, token: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
    let response = client.post(format!("{url}{path}")).bearer_auth(token).json(body).send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("POST {path} answered {status}: {body}");
    }
    Ok(body)
}

/// Figures of one run.
struct Report {
    latencies: Vec<Duration>,
    errors: i64,
    elapsed: Duration,
}

impl Report {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * (self.latencies.len() as f64 - 1.0)).round() as usize;
        self.latencies[rank.min(self.latencies.len() - 1)]
    }

    fn print(&self, clients: usize) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let done = self.latencies.len();
        println!(
            "created {done} tickets in {:.2} s with {clients} clients: {:.0} tickets/s",
            self.elapsed.as_secs_f64(),
            done as f64 / self.elapsed.as_secs_f64()
        );
        println!(
            "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.percentile(100.0))
        );
        println!("errors: {}", self.errors);
    }
}

/// Creates up to `count` tickets with `clients` concurrent clients, for at most `limit`.
async fn load(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    category: i64,
    clients: usize,
    count: i64,
    limit: Duration,
) -> anyhow::Result<Report> {
    let remaining = Arc::new(AtomicI64::new(count));
    let started = Instant::now();
    let deadline = started + limit;
    let tasks: Vec<_> = (0..clients)
        .map(|n| {
            let (client, remaining) = (client.clone(), remaining.clone());
            let endpoint = format!("{url}/api/v1/tickets");
            let token = token.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0i64;
                let mut i = n as i64;
                while remaining.fetch_sub(1, Ordering::Relaxed) > 0 && Instant::now() < deadline {
                    i += clients as i64;
                    let body = ticket_body(category, i);
                    let t0 = Instant::now();
                    let ok = match client.post(&endpoint).bearer_auth(&token).json(&body).send().await {
                        Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    if ok {
                        latencies.push(t0.elapsed());
                    } else {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut report = Report { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
    for task in futures::future::join_all(tasks).await {
        let (latencies, errors) = task.context("a client task failed")?;
        report.latencies.extend(latencies);
        report.errors += errors;
    }
    report.elapsed = started.elapsed();
    report.latencies.sort();
    Ok(report)
}

/// A realistic ticket: a title, a few paragraphs, triage answers and category fields.
pub(crate) fn ticket_body(category: i64, i: i64) -> Value {
    let systems = ["login", "storage", "compute", "network", "certificate", "portal", "accounting"];
    let system = systems[(i as usize) % systems.len()];
    json!({
        "title": format!("{system} service fails for our users (report {i})"),
        "description": format!(
            "Since this morning the {system} service answers with errors for several users of our \
             group. We tried again from two sites and with two browsers; the problem stays.\n\n\
             Steps: sign in, open the {system} page, submit the form. Expected: a confirmation. \
             Got: an error page with code 502 after about 30 seconds.\n\nThanks for looking into it."
        ),
        "category": category,
        "type": if i % 5 == 0 { "service_request" } else { "incident" },
        "privacy": "public",
        "affected_users": (i * 7) % 80,
        "service_degraded": i % 11 == 0,
        "fields": {"version": "4.5.2", "os": "Ubuntu", "bits_64": true}
    })
}

async fn mail(args: MailBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let mut extra = vec!["--mail-from".to_owned(), "Helpdesk <helpdesk@bench.example.org>".to_owned()];
    if let Some(url) = &args.smtp_url {
        extra.extend(["--smtp-url".to_owned(), url.clone()]);
    }
    let server = OwnServer::start_with(data, database_url, &extra).await?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().context("an HTTP client")?;
    let unit: Value = post(
        &client,
        &server.url,
        &server.token,
        "/api/v1/units",
        &json!({
            "name": "Bench mail unit", "level": 1, "email": "unit@bench.example.org"
        }),
    )
    .await?;
    post(
        &client,
        &server.url,
        &server.token,
        "/api/v1/categories",
        &json!({
            "name": "Bench mail", "default_unit": unit["id"], "fields": []
        }),
    )
    .await?;
    let store = helpdesk_store::open(&server.location).await?;
    let outbox = server.data_dir.join("outbox");
    let files_before = count_files(&outbox);
    println!(
        "Handing in {} messages at {}/api/v1/mail/inbound with {} clients",
        args.messages, server.url, args.clients
    );
    let limit = Duration::from_secs(args.seconds);
    let started = Instant::now();
    let remaining = Arc::new(AtomicI64::new(args.messages));
    let tasks: Vec<_> = (0..args.clients)
        .map(|n| {
            let (client, remaining) = (client.clone(), remaining.clone());
            let endpoint = format!("{}/api/v1/mail/inbound", server.url);
            let token = server.token.clone();
            let clients = args.clients as i64;
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut i) = (Vec::new(), 0i64, n as i64);
                while remaining.fetch_sub(1, Ordering::Relaxed) > 0 && started.elapsed() < limit {
                    i += clients;
                    let t0 = Instant::now();
                    let sent = client.post(&endpoint).bearer_auth(&token).body(bench_message(i)).send().await;
                    match sent {
                        Ok(r) if r.status().as_u16() == 202 => latencies.push(t0.elapsed()),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut report = Report { latencies: Vec::new(), errors: 0, elapsed: Duration::ZERO };
    for task in tasks {
        let (latencies, errors) = task.await.context("a client failed")?;
        report.latencies.extend(latencies);
        report.errors += errors;
    }
    report.elapsed = started.elapsed();
    report.latencies.sort();
    let handed = report.latencies.len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "accepted {handed} messages in {:.2} s: {:.0} messages/s (p50 {:.2} ms, p99 {:.2} ms), errors: {}",
        report.elapsed.as_secs_f64(),
        handed as f64 / report.elapsed.as_secs_f64(),
        ms(report.percentile(50.0)),
        ms(report.percentile(99.0)),
        report.errors
    );
    // Processing and delivery go on in the server's worker; watch the database until done.
    let (mut processed_at, mut delivered_at) = (None, None);
    while started.elapsed() < limit * 2 {
        let waiting =
            store.inbound_messages(Some(helpdesk_domain::mail::InboundStatus::Received), page_of_one()).await?.total;
        if waiting == 0 && processed_at.is_none() {
            processed_at = Some(started.elapsed());
        }
        let jobs = store.row_counts().await?.into_iter().find(|(t, _)| *t == "jobs").map(|(_, n)| n).unwrap_or(0);
        if waiting == 0 && jobs == 0 {
            delivered_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let counts = store.row_counts().await?;
    let count = |table: &str| counts.iter().find(|(t, _)| *t == table).map(|(_, n)| *n).unwrap_or(0);
    match processed_at {
        Some(at) => println!(
            "processed {handed} messages ({} tickets, {} articles) {:.2} s after the first was sent: {:.0} messages/s",
            count("tickets"),
            count("articles"),
            at.as_secs_f64(),
            handed as f64 / at.as_secs_f64()
        ),
        None => println!("processing did not finish within {} s", (limit * 2).as_secs()),
    }
    let mails = if args.smtp_url.is_some() { None } else { Some(count_files(&outbox) - files_before) };
    match (delivered_at, mails) {
        (Some(at), Some(mails)) => println!(
            "delivered {mails} notification mails (to files) {:.2} s after the first message: {:.0} mails/s",
            at.as_secs_f64(),
            mails as f64 / at.as_secs_f64()
        ),
        (Some(at), None) => println!(
            "every notification was accepted by the SMTP server {:.2} s after the first message (count them in its mailbox)",
            at.as_secs_f64()
        ),
        (None, _) => println!("delivery did not finish within {} s", (limit * 2).as_secs()),
    }
    store.close().await;
    drop(server);
    Ok(())
}

fn page_of_one() -> helpdesk_domain::paging::PageRequest {
    helpdesk_domain::paging::PageRequest { page: 1, per_page: 1 }
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).count()).unwrap_or(0)
}

/// A message as a person writes it: one of 200 senders, one in ten an answer to an earlier
/// ticket (by its subject's tag).
fn bench_message(i: i64) -> Vec<u8> {
    let sender = (i / 3) % 200;
    let subject =
        if i % 10 == 0 { format!("Re: [Helpdesk #{}] more", 1 + (i / 10) % 50) } else { format!("Problem {i}") };
    format!(
        "From: Sender {sender} <sender{sender}@customers.example.org>\r\nTo: unit@bench.example.org\r\n\
         Subject: {subject}\r\nMessage-ID: <bench-{i}@customers.example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThe storage element {i} answers with errors since this morning.\r\n\
         \r\nOn Mon, 23 Nov 2026, Helpdesk wrote:\r\n> earlier text\r\n"
    )
    .into_bytes()
}

/// The database and search index a seed or search benchmark works on.
async fn seeded_app(
    data: &Option<PathBuf>,
    database_url: Option<&str>,
) -> anyhow::Result<(App, helpdesk_search::SearchIndex)> {
    let dir = data.clone().unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR));
    let location = config::location(database_url, &dir)?;
    let store = helpdesk_store::open(&location).await.with_context(|| config::describe(&location))?;
    let index = helpdesk_search::SearchIndex::open(&dir.join("search-index"), store.clone())?;
    Ok((App::new(store).with_search(Arc::new(index.clone())), index))
}

async fn seed(args: SeedBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    let (app, index) = seeded_app(data, database_url).await?;
    let counts = app.store().row_counts().await?;
    if counts.iter().any(|(table, n)| *table == "tickets" && *n > 0) {
        bail!("bench seed fills an empty database; this one has tickets (use a new --data directory)");
    }
    println!("Seeding {} tickets (seed {})", args.tickets, args.seed);
    let started = Instant::now();
    let mut export = match &args.export_rt {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => None,
    };
    let sink = export.as_mut().map(|w| w as &mut dyn std::io::Write);
    let seeded = crate::seed::seed(app.store().as_ref(), args.tickets, args.seed, sink).await?;
    if let Some(mut w) = export {
        std::io::Write::flush(&mut w).context("writing the export")?;
    }
    let personas = crate::bench_run::Personas::create(&app, &seeded, args.seed).await?;
    let personas_file =
        data.clone().unwrap_or_else(|| PathBuf::from(config::DEFAULT_DATA_DIR)).join(crate::bench_run::PERSONAS_FILE);
    personas.save(&personas_file)?;
    let loaded = started.elapsed();
    let indexing = Instant::now();
    let progress = |done: usize, total: usize| eprint!("\r  indexed {done} of {total} tickets");
    let indexed = index.rebuild(&progress).await?;
    eprintln!();
    let counts = app.store().row_counts().await?;
    let count = |name: &str| counts.iter().find(|(t, _)| *t == name).map(|(_, n)| *n).unwrap_or(0);
    println!(
        "wrote {} tickets, {} articles, {} attachments, {} accounts in {:.1} s ({:.0} tickets/s)",
        seeded.tickets,
        count("articles"),
        count("attachments"),
        count("accounts"),
        loaded.as_secs_f64(),
        seeded.tickets as f64 / loaded.as_secs_f64().max(0.001)
    );
    println!("indexed {indexed} tickets in {:.1} s", indexing.elapsed().as_secs_f64());
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    println!("the accounts `bench run` acts as: {}", personas_file.display());
    app.store().close().await;
    Ok(())
}

async fn search(args: SearchBench, data: &Option<PathBuf>, database_url: Option<&str>) -> anyhow::Result<()> {
    use helpdesk_app::search::{SearchFilters, SearchSort, StatusFilter};
    let (app, index) = seeded_app(data, database_url).await?;
    index.catch_up().await?;
    let words = crate::seed::vocabulary_of(args.seed);
    // A common word, a rare one (rank 20,000 of 30,000), a common pair, a phrase.
    let common = words.get(15).cloned().unwrap_or_default();
    let second = words.get(16).cloned().unwrap_or_default();
    let rare = words.get(20_000).cloned().unwrap_or_default();
    let community = Actor::person(700, vec![Role::Community], vec![], vec![]);
    let supporter = Actor::person(1, vec![Role::Community, Role::Supporter], vec![1], vec![]);
    // A ticket number both may read: the newest public ticket with the common word.
    let by_activity =
        app.search(&community, &common, SearchFilters::default(), SearchSort::Activity, Default::default());
    let number = format!("#{}", by_activity.await?.items.first().map(|h| h.id).unwrap_or(1));
    let kinds: Vec<(&str, String, SearchFilters, SearchSort)> = vec![
        ("common word", common.clone(), SearchFilters::default(), SearchSort::Relevance),
        ("rare word", rare.clone(), SearchFilters::default(), SearchSort::Relevance),
        ("two common words", format!("{common} {second}"), SearchFilters::default(), SearchSort::Relevance),
        ("phrase", "\"to the\"".to_owned(), SearchFilters::default(), SearchSort::Relevance),
        ("common word, by activity", common.clone(), SearchFilters::default(), SearchSort::Activity),
        (
            "common word, open, one category",
            common.clone(),
            SearchFilters { status: Some(StatusFilter::Open), category: Some(1), ..SearchFilters::default() },
            SearchSort::Relevance,
        ),
        ("ticket number", number, SearchFilters::default(), SearchSort::Relevance),
    ];
    println!("Search, {} rounds of each kind (p50, p99, max; hits found):", args.rounds);
    for (who, actor) in [("community", &community), ("supporter", &supporter)] {
        for (kind, q, filters, sort) in &kinds {
            let mut times = Vec::with_capacity(args.rounds);
            let mut total = 0;
            for _ in 0..args.rounds {
                let t0 = Instant::now();
                let page = app.search(actor, q, filters.clone(), *sort, Default::default()).await?;
                times.push(t0.elapsed());
                total = page.total;
            }
            times.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
            println!(
                "  {who:<9} {kind:<32} {:>7.2} ms {:>7.2} ms {:>7.2} ms  {total} hits",
                ms(times[times.len() / 2]),
                ms(p99),
                ms(times[times.len() - 1])
            );
        }
    }
    Ok(())
}
