//! What every integration test shares: a fresh database on the engine under test, a real server
//! on a loopback port, accounts with tokens, and the proof that a refusal wrote nothing.
//!
//! The engine: SQLite by default; PostgreSQL when `HELPDESK_TEST_POSTGRES` holds a server URL
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). Each test gets its own database.

#![allow(dead_code)]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use helpdesk_app::App;
use helpdesk_domain::account::{Account, Role};
use helpdesk_domain::policy::Actor;
use helpdesk_server::{Duties, Serve, Settings};
use helpdesk_store::{Engine, Location, Store};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The keys every ticket carries in the API (issue #2's stable shape).
pub const TICKET_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "type",
    "category",
    "unit",
    "owner",
    "status",
    "priority",
    "privacy",
    "fields",
    "submitter",
    "created_at",
    "updated_at",
];

/// The environment variable that names a PostgreSQL server for the tests.
pub const POSTGRES_VAR: &str = "HELPDESK_TEST_POSTGRES";

/// The PostgreSQL server URL, if the tests were given one.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_VAR).ok().filter(|v| !v.is_empty())
}

/// Says, where the test output shows it (not captured), that the PostgreSQL half did not run.
pub fn say_postgres_skipped(what: &str) {
    say_not_run(&format!("the PostgreSQL half of the {what}"), &format!("{POSTGRES_VAR}=postgres://USER@HOST:PORT/DB"));
}

/// The variable CI sets so that a test whose peer is missing fails instead of being skipped:
/// on a newcomer's machine a note is enough, in CI a skipped peer is a hole.
pub const REQUIRE_PEERS_VAR: &str = "HELPDESK_TEST_REQUIRE_PEERS";

/// Says that tests needing a peer did not run, or, where `HELPDESK_TEST_REQUIRE_PEERS` is set
/// (CI), fails the test that needed it.
pub fn peer_not_run(what: &str, how: &str) {
    if std::env::var(REQUIRE_PEERS_VAR).is_ok_and(|v| !v.is_empty()) {
        panic!("{what} did NOT run and {REQUIRE_PEERS_VAR} requires them: set {how}");
    }
    say_not_run(what, how);
}

/// Says once per kind, where the test output shows it (not captured), that some tests did not run.
pub fn say_not_run(what: &str, how: &str) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut said) = SAID.lock() else { return };
    if !said.iter().any(|w| w == what) {
        said.push(what.to_owned());
        let _ = writeln!(std::io::stderr(), "\nNOTE: {what} did NOT run: set {how} to run it.\n");
    }
}

/// A real SMTP server that captures what it is sent into a Maildir (../shared/peers/mail),
/// named by `HELPDESK_TEST_SMTP` (an smtp:// URL) and `HELPDESK_TEST_MAILDIR`.
#[derive(Debug, Clone)]
pub struct MailPeer {
    pub url: String,
    pub maildir: std::path::PathBuf,
}

/// The mail peer, or None after saying that the mail tests did not run.
pub fn mail_peer() -> Option<MailPeer> {
    let url = std::env::var("HELPDESK_TEST_SMTP").ok().filter(|v| !v.is_empty());
    let maildir = std::env::var("HELPDESK_TEST_MAILDIR").ok().filter(|v| !v.is_empty());
    match (url, maildir) {
        (Some(url), Some(maildir)) => Some(MailPeer { url, maildir: maildir.into() }),
        _ => {
            peer_not_run(
                "the tests that send mail",
                "HELPDESK_TEST_SMTP=smtp://127.0.0.1:2525 and HELPDESK_TEST_MAILDIR=<the capture's Maildir> (../shared/peers/mail/start.sh)",
            );
            None
        }
    }
}

/// The real IMAP mailbox of ../shared/peers/mail (dovecot), named by `HELPDESK_TEST_IMAP`
/// (host:port), and the LMTP listener that delivers into it, named by `HELPDESK_TEST_LMTP`.
#[derive(Debug, Clone)]
pub struct MailboxPeer {
    pub imap: String,
    pub lmtp: String,
    /// The mailbox the peer's start.sh makes.
    pub user: &'static str,
    pub password: &'static str,
}

/// The mailbox peer, or None after saying that the IMAP tests did not run.
pub fn mailbox_peer() -> Option<MailboxPeer> {
    let imap = std::env::var("HELPDESK_TEST_IMAP").ok().filter(|v| !v.is_empty());
    let lmtp = std::env::var("HELPDESK_TEST_LMTP").ok().filter(|v| !v.is_empty());
    match (imap, lmtp) {
        (Some(imap), Some(lmtp)) => {
            Some(MailboxPeer { imap, lmtp, user: "helpdesk@example.org", password: "helpdesk-password" })
        }
        _ => {
            peer_not_run(
                "the IMAP tests",
                "HELPDESK_TEST_IMAP=127.0.0.1:1143 and HELPDESK_TEST_LMTP=127.0.0.1:2424 (../shared/peers/mail/start.sh)",
            );
            None
        }
    }
}

impl MailboxPeer {
    /// Delivers `raw` into the mailbox over LMTP, as an MTA does.
    pub async fn deliver(&self, from: &str, raw: &[u8]) {
        self.deliver_to(from, self.user, raw).await
    }

    /// Delivers `raw` over LMTP to `recipient`: the mailbox's address or one of its `+detail`
    /// sub-addresses.
    pub async fn deliver_to(&self, from: &str, recipient: &str, raw: &[u8]) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let stream = tokio::net::TcpStream::connect(&self.lmtp).await.expect("the LMTP listener");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        // Reads one (possibly multi-line) reply and checks its code.
        async fn reply(lines: &mut tokio::io::Lines<impl tokio::io::AsyncBufRead + Unpin>, code: &str) {
            loop {
                let line = lines.next_line().await.expect("an LMTP reply").expect("an open connection");
                assert!(line.starts_with(code), "LMTP answered {line:?}, not {code}");
                if line.as_bytes().get(3) != Some(&b'-') {
                    return;
                }
            }
        }
        reply(&mut lines, "220").await;
        let mut data = Vec::with_capacity(raw.len() + 16);
        for line in raw.split_inclusive(|b| *b == b'\n') {
            if line.starts_with(b".") {
                data.push(b'.');
            }
            data.extend_from_slice(line);
        }
        if !data.ends_with(b"\r\n") {
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\n");
        let commands: [(Vec<u8>, &str); 5] = [
            (b"LHLO test.example.org\r\n".to_vec(), "250"),
            (format!("MAIL FROM:<{from}>\r\n").into_bytes(), "250"),
            (format!("RCPT TO:<{recipient}>\r\n").into_bytes(), "250"),
            (b"DATA\r\n".to_vec(), "354"),
            (data, "250"),
        ];
        for (command, code) in commands {
            write.write_all(&command).await.expect("LMTP accepts the command");
            reply(&mut lines, code).await;
        }
        let _ = write.write_all(b"QUIT\r\n").await;
    }

    /// The poller's settings for this mailbox.
    pub fn config(&self, password: &str) -> helpdesk_mail::imap::ImapConfig {
        let (host, port) = self.imap.rsplit_once(':').expect("host:port");
        helpdesk_mail::imap::ImapConfig {
            host: host.to_owned(),
            port: port.parse().expect("a port"),
            security: helpdesk_mail::imap::ImapSecurity::None,
            user: self.user.to_owned(),
            password: password.to_owned(),
            mailbox: "INBOX".to_owned(),
            interval: std::time::Duration::from_secs(1),
        }
    }
}

/// A received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub auto_submitted: Option<String>,
    /// The HTML part, when there is one.
    pub html: Option<String>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub reply_to: Option<String>,
    pub x_loop: Option<String>,
}

impl Received {
    /// The `token` of the first link in the text.
    pub fn link_token(&self) -> String {
        let link = self.text.split_whitespace().find(|w| w.contains("token=")).expect("a link with a token");
        link.split("token=").nth(1).expect("a token").trim_end_matches(['.', ',', ')']).to_owned()
    }
}

impl MailPeer {
    /// Every message captured so far for `to`, oldest first.
    pub fn messages_for(&self, to: &str) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        // Python's Maildir names files SECONDS.M<microseconds>P<pid>Q<counter>.host with unpadded numbers, so a
        // plain sort misorders messages within one second; the peer's counter orders them.
        files.sort_by_key(|path| maildir_order(path));
        files
            .iter()
            .filter_map(|path| std::fs::read(path).ok())
            .filter_map(|raw| {
                let message = mail_parser::MessageParser::default().parse(&raw)?;
                let to_header: String = message
                    .to()
                    .map(|a| a.iter().filter_map(|a| a.address()).collect::<Vec<_>>().join(","))
                    .unwrap_or_default();
                Some(Received {
                    to: to_header,
                    subject: message.subject().unwrap_or_default().to_owned(),
                    text: message.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    auto_submitted: message.header_raw("Auto-Submitted").map(|h| h.trim().to_owned()),
                    html: (message.html_body_count() > 0 && message.html_part(0).is_some_and(|p| p.is_text_html()))
                        .then(|| message.body_html(0).map(|h| h.into_owned()))
                        .flatten(),
                    message_id: message.message_id().map(str::to_owned),
                    in_reply_to: message.header_raw("In-Reply-To").map(|h| h.trim().to_owned()),
                    references: message.header_raw("References").map(|h| h.trim().to_owned()),
                    reply_to: message.header_raw("Reply-To").map(|h| h.trim().to_owned()),
                    x_loop: message.header_raw("X-Loop").map(|h| h.trim().to_owned()),
                })
            })
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect()
    }

    /// Waits (at most 15 s) until `count` messages for `to` have arrived; returns them.
    pub async fn wait_for(&self, to: &str, count: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let messages = self.messages_for(to);
            if messages.len() >= count || std::time::Instant::now() > deadline {
                assert!(messages.len() >= count, "{count} message(s) for {to} arrived; got {messages:?}");
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The messages to `to` whose subject holds `what`, once there are `count` of them (waiting
    /// at most 15 s); fails when there are not exactly `count` by then.
    pub async fn about(&self, to: &str, what: &str, count: usize) -> Vec<Received> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let found: Vec<Received> = self.messages_for(to).into_iter().filter(|m| m.subject.contains(what)).collect();
            if found.len() >= count || std::time::Instant::now() > deadline {
                assert_eq!(found.len(), count, "messages to {to} about {what}");
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Arrival order of a Maildir file named by Python's `mailbox` module: (seconds, per-process counter).
fn maildir_order(path: &std::path::Path) -> (u64, u64, String) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let number = |after: char| -> u64 {
        name.split_once(after)
            .map(|(_, rest)| rest.chars().take_while(char::is_ascii_digit).collect::<String>())
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
    };
    let seconds = name.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(0);
    (seconds, number('Q'), name.to_owned())
}

/// An address no other test (in this or another run) uses.
pub fn unique_address(name: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{name}.{}.{}.{nanos}@example.org", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// A clock the test moves by hand.
pub struct TestClock(std::sync::Mutex<time::OffsetDateTime>);

impl TestClock {
    /// A clock showing now.
    pub fn now() -> Arc<TestClock> {
        Arc::new(TestClock(std::sync::Mutex::new(time::OffsetDateTime::now_utc())))
    }

    /// Moves the clock on.
    pub fn advance(&self, by: std::time::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl helpdesk_app::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        self.0.lock().map(|t| *t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

/// How a test server is set up.
#[derive(Default)]
pub struct Options {
    /// A clock of the test's own.
    pub clock: Option<Arc<dyn helpdesk_app::Clock>>,
    /// Deliver mail to this peer (runs a worker).
    pub mail: Option<MailPeer>,
    /// Tell the app it is reached over HTTPS (cookies become Secure).
    pub https: bool,
    /// OpenID Connect providers.
    pub oidc: Vec<helpdesk_web::oidc::ProviderConfig>,
    /// Serve HTTPS with these files.
    pub tls: Option<helpdesk_web::tls::TlsFiles>,
    /// Trusted reverse proxies.
    pub proxies: helpdesk_web::Proxies,
    /// The server's limits on connections.
    pub limits: helpdesk_web::ServerLimits,
    /// Send mail from this address (`mail_from`) rather than from Helpdesk's own.
    pub mail_from: Option<&'static str>,
    /// The `monitoring_address` told of escalation step 3.
    pub monitoring: Option<String>,
}

/// Installs the one crypto provider (rustls with ring), as `main` does.
pub fn crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A test PKI made by ../shared/peers/x509/make-certs.sh (openssl), once per test run: a CA,
/// a server certificate for localhost/127.0.0.1, a client certificate
/// (/DC=org/DC=terena/DC=tcs/C=DE/O=Example/CN=Jane Doe), and a rogue client with the same DN
/// from another CA. None, after saying so, where openssl cannot run.
pub fn pki() -> Option<std::path::PathBuf> {
    static PKI: std::sync::OnceLock<Option<tempfile::TempDir>> = std::sync::OnceLock::new();
    let dir = PKI.get_or_init(|| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers/x509/make-certs.sh");
        let dir = tempfile::tempdir().ok()?;
        let made = std::process::Command::new("bash").arg(&script).arg(dir.path()).output().ok()?;
        made.status.success().then_some(dir)
    });
    if dir.is_none() {
        peer_not_run("the X.509 certificate tests", "up ../shared/peers/x509 (it needs openssl)");
    }
    dir.as_ref().map(|d| d.path().to_owned())
}

/// The real OpenID provider on loopback (../shared/peers/oidc), named by `HELPDESK_TEST_OIDC`.
pub fn oidc_peer() -> Option<String> {
    let issuer = std::env::var("HELPDESK_TEST_OIDC").ok().filter(|v| !v.is_empty());
    if issuer.is_none() {
        peer_not_run(
            "the OpenID Connect tests",
            "HELPDESK_TEST_OIDC=http://127.0.0.1:9400 (../shared/peers/oidc/start.sh)",
        );
    }
    issuer
}

/// The engine the engine-agnostic tests run on.
pub fn engine_under_test() -> Engine {
    if postgres_url().is_some() { Engine::Postgres } else { Engine::Sqlite }
}

/// A fresh, empty database, removed when dropped.
pub struct TestDb {
    pub location: Location,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh database on `engine`.
    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let location = Location::SqliteFile(dir.path().join("helpdesk.db"));
                TestDb { location, _dir: Some(dir), pg: None }
            }
            Engine::Postgres => {
                let admin_url = postgres_url().expect("HELPDESK_TEST_POSTGRES is set for PostgreSQL tests");
                let name = format!("helpdesk_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
                let mut admin = connect_admin(&admin_url).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("drop");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create database");
                let location = Location::Postgres(with_database(&admin_url, &name));
                // The node's own files (its search index, its mail outbox) go here.
                let dir = tempfile::tempdir().expect("a temporary directory");
                TestDb { location, _dir: Some(dir), pg: Some((admin_url, name)) }
            }
        }
    }

    /// A fresh database on the engine under test.
    pub async fn under_test() -> TestDb {
        TestDb::new(engine_under_test()).await
    }

    /// The store over this database, migrated.
    pub async fn open(&self) -> Arc<dyn Store> {
        helpdesk_store::open(&self.location).await.expect("the store opens and migrates")
    }

    /// The directory of the node's own files (its search index, its name, its mail outbox).
    pub fn data_dir(&self) -> &std::path::Path {
        match &self._dir {
            Some(dir) => dir.path(),
            None => std::path::Path::new("."),
        }
    }

    /// The `--data` / `--database-url` arguments that point the binary here.
    pub fn cli_args(&self) -> Vec<String> {
        match &self.location {
            Location::SqliteFile(path) => {
                vec!["--data".into(), path.parent().expect("a data dir").display().to_string()]
            }
            Location::Postgres(url) => {
                let data = self._dir.as_ref().map(|d| d.path().display().to_string()).unwrap_or_default();
                vec!["--database-url".into(), url.clone(), "--data".into(), data]
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Drop runs outside any runtime we may block; a small one of its own does the work.
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    rt.block_on(async {
                        let mut admin = connect_admin(&admin_url).await;
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
                    });
                }
            })
            .join();
        }
    }
}

async fn connect_admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url).await.expect("the PostgreSQL server of HELPDESK_TEST_POSTGRES answers")
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Row counts of every table, to compare before and after a refusal.
pub async fn snapshot(store: &Arc<dyn Store>) -> Vec<(&'static str, i64)> {
    store.row_counts().await.expect("row counts")
}

/// Row counts of every table once no job is waiting (at most 15 s): what the worker had still
/// to do (mail being sent) is not taken for what a refusal wrote.
pub async fn snapshot_when_idle(store: &Arc<dyn Store>) -> Vec<(&'static str, i64)> {
    eventually("the jobs to be done", std::time::Duration::from_secs(15), || async {
        let counts = snapshot(store).await;
        counts.iter().any(|(table, n)| *table == "jobs" && *n == 0).then_some(counts)
    })
    .await
}

/// Row counts of every table but the counter of attempts (a refused sign-in is counted: that is
/// the throttle), to prove that a refusal changed nothing else.
pub async fn snapshot_but_attempts(store: &Arc<dyn Store>) -> Vec<(&'static str, i64)> {
    let mut counts = snapshot(store).await;
    counts.retain(|(table, _)| *table != "attempts");
    counts
}

/// The inbound message `id` once the worker has processed it (at most 15 s).
pub async fn settled(store: &Arc<dyn Store>, id: i64) -> helpdesk_domain::mail::InboundMessage {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (message, _) = store.inbound_message(id).await.expect("the store").expect("the message is kept");
        if message.status != helpdesk_domain::mail::InboundStatus::Received || std::time::Instant::now() > deadline {
            return message;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A Helpdesk serving on a loopback port, with its own fresh database.
pub struct TestServer {
    pub url: String,
    pub app: App,
    pub client: reqwest::Client,
    stop: CancellationToken,
    pub db: TestDb,
    /// The server's search index: no follower runs, so a test calls `catch_up` before it searches.
    pub search: helpdesk_search::SearchIndex,
    /// Whether a worker runs, so that the test's end checks that every job it queued ran and
    /// none failed.
    worker: bool,
    /// The server's clock, to tell which jobs are due.
    clock: Arc<dyn helpdesk_app::Clock>,
    /// Jobs this test makes fail on purpose (the check then lets them be).
    pub expect_failed_jobs: bool,
}

/// An answer: status, JSON body (or the text as a JSON string), content type.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub content_type: String,
    pub location: Option<String>,
}

impl TestServer {
    /// Starts a server on the engine under test.
    pub async fn start() -> TestServer {
        TestServer::start_with(Options::default()).await
    }

    /// Starts a server on the engine under test, set up by `options`, through the same
    /// settings and launch as `helpdesk serve`.
    pub async fn start_with(options: Options) -> TestServer {
        let db = TestDb::under_test().await;
        crypto();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let scheme = if options.tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{addr}");
        let mut settings = Settings::new(db.location.clone(), db.data_dir().to_owned());
        settings.public_url = Some(if options.https { url.replace("http://", "https://") } else { url.clone() });
        settings.mail = helpdesk_app::mail::MailIdentity::new("helpdesk@test.example.org", "Helpdesk")
            .sending_from(options.mail_from.unwrap_or("helpdesk@test.example.org"));
        settings.file.secret_key = Some("the test installation's secret key".to_owned());
        settings.file.oidc = options.oidc.clone();
        settings.connector_timeout = std::time::Duration::from_secs(5);
        settings.file.monitoring_address = options.monitoring.clone();
        if let Some(clock) = options.clock.clone() {
            settings.clock = clock;
        }
        if let Some(peer) = &options.mail {
            settings.smtp_url = Some(peer.url.clone());
            settings.mail_from = options.mail_from.unwrap_or("Helpdesk <helpdesk@test.example.org>").to_owned();
        }
        // A test runs only what it needs beside the server: the worker when it reads mail, and
        // no search follower (a test calls `catch_up` before it searches).
        let duties =
            Duties { worker: options.mail.is_some().then(|| std::time::Duration::from_millis(50)), ..Duties::none() };
        let mut launch = settings
            .launch(addr, Serve { tls: options.tls.clone(), duties })
            .await
            .expect("the server's settings launch");
        launch.web.proxies = options.proxies.clone();
        launch.web.certificate_login = options.tls.is_some() || !options.proxies.trusted.is_empty();
        launch.web.limits = options.limits;
        launch.web.first_admin = Vec::new();
        let (app, search) = (launch.app.clone(), launch.search.clone());
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            if let Err(e) = helpdesk_server::launch(launch, listener, stopped).await {
                eprintln!("the test server stopped: {e:#}");
            }
        });
        let client = reqwest::Client::new();
        let worker = options.mail.is_some();
        let clock = settings.clock.clone();
        TestServer { url, app, client, stop, db, search, worker, clock, expect_failed_jobs: false }
    }

    /// The store behind the server.
    pub fn store(&self) -> &Arc<dyn Store> {
        self.app.store()
    }

    /// An account with the given roles, and a token for it.
    pub async fn account(&self, email: &str, roles: &[Role]) -> (Account, String) {
        let system = Actor::system();
        let account = self
            .app
            .create_account(&system, email, email.split('@').next().unwrap_or("x"), roles)
            .await
            .expect("account");
        let token = self.app.create_token(&system, email, "test").await.expect("token").secret;
        (account, token)
    }

    /// Sends a request with an optional token and JSON body.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// Sends a raw body with the given content type.
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.url)).body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        answer(request.send().await.expect("the server answers")).await
    }

    /// POSTs `json` with files as a multipart form (the JSON in the part `body`, each file in a
    /// part `attachments`).
    pub async fn post_files(&self, path: &str, token: &str, json: &Value, files: Vec<(&str, Vec<u8>)>) -> Answer {
        let mut form = reqwest::multipart::Form::new().text("body", json.to_string());
        for (name, bytes) in files {
            form = form.part("attachments", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        }
        let request = self.client.post(format!("{}{path}", self.url)).bearer_auth(token).multipart(form);
        answer(request.send().await.expect("the server answers")).await
    }

    /// GETs a public JSON document.
    pub async fn get_json(&self, path: &str) -> Value {
        self.call(Method::GET, path, None, None).await.body
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Some(body)).await
    }
}

impl Drop for TestServer {
    /// Stops the server; where a worker ran, first waits (as crates.io's test app checks) until
    /// every job the test queued has run, then checks that none failed, unless the test says it
    /// meant some to.
    fn drop(&mut self) {
        if !self.worker || std::thread::panicking() {
            self.stop.cancel();
            return;
        }
        let runtime = tokio::runtime::Handle::current();
        assert!(
            runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread,
            "a test whose server runs a worker runs on #[tokio::test(flavor = \"multi_thread\")], so that its end \
             can wait for the jobs it queued"
        );
        let store = self.app.store().clone();
        let clock = self.clock.clone();
        // Drop cannot await: the wait runs on this thread while the runtime's other thread
        // keeps the worker going.
        let counts = tokio::task::block_in_place(|| {
            runtime.block_on(async {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                loop {
                    let counts = store.job_counts(clock.now()).await.expect("the job queue");
                    if counts.due + counts.running == 0 || std::time::Instant::now() > deadline {
                        return counts;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            })
        });
        self.stop.cancel();
        assert_eq!(counts.due + counts.running, 0, "jobs the test queued never ran: {counts:?}");
        if !self.expect_failed_jobs {
            assert_eq!((counts.retrying, counts.failed), (0, 0), "jobs failed during the test: {counts:?}");
        }
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = header("content-type").unwrap_or_default();
    let location = header("location");
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, body, content_type, location }
}

/// A server with an admin, a 1st-level unit, a 2nd-level unit, and a category in the manner of
/// the Gluu support portal (version, operating system, 64-bit confirmed).
pub struct Fixture {
    pub server: TestServer,
    pub admin: String,
    pub first_line: i64,
    pub second_line: i64,
    pub category: i64,
}

impl Fixture {
    pub async fn new() -> Fixture {
        Fixture::with(Options::default()).await
    }

    /// The same fixture on a server set up as `options` says.
    pub async fn with(options: Options) -> Fixture {
        let server = TestServer::start_with(options).await;
        let (_, admin) = server.account("admin@example.org", &[Role::Admin]).await;
        let first_line = created(
            server
                .post("/api/v1/units", &admin, json!({"name": "1st line", "level": 1, "email": "first@example.org"}))
                .await,
        );
        let second_line = created(
            server
                .post("/api/v1/units", &admin, json!({"name": "Storage", "level": 2, "email": "storage@example.org"}))
                .await,
        );
        let category = created(
            server
                .post(
                    "/api/v1/categories",
                    &admin,
                    json!({
                        "name": "Installation",
                        "default_unit": first_line,
                        "fields": [
                            {"key": "version", "label": "Product version", "type": "text", "required": true},
                            {"key": "os", "label": "Operating system", "type": "choice", "choices": ["Ubuntu", "RHEL"], "required": true},
                            {"key": "bits_64", "label": "64-bit confirmed", "type": "bool", "required": true},
                            {"key": "ram_gb", "label": "RAM (GB)", "type": "number", "required": false}
                        ]
                    }),
                )
                .await,
        );
        Fixture { server, admin, first_line, second_line, category }
    }

    /// A valid ticket body in the fixture's category; `changes` overrides its keys.
    pub fn ticket(&self, changes: Value) -> Value {
        let mut body = json!({
            "title": "Login fails after upgrade",
            "description": "Since the upgrade to 4.5 nobody can log in.",
            "category": self.category,
            "type": "incident",
            "privacy": "public",
            "fields": {"version": "4.5", "os": "Ubuntu", "bits_64": true}
        });
        if let (Some(base), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
            for (k, v) in changes {
                base.insert(k.clone(), v.clone());
            }
        }
        body
    }

    /// A member of `unit` (a supporter): their account id and token.
    pub async fn supporter(&self, email: &str, unit: i64) -> (i64, String) {
        let (account, token) = self.server.account(email, &[Role::Community]).await;
        let body = json!({"account": account.id, "manager": false});
        let added = self.server.post(&format!("/api/v1/units/{unit}/members"), &self.admin, body).await;
        assert!(added.status.is_success(), "{:?}", added.body);
        (account.id.get(), token)
    }

    /// A session of the pages signed in as the account `email` (given a password for it).
    pub async fn session_of(&self, email: &str) -> WebSession {
        let password = "a long test password";
        let system = helpdesk_domain::policy::Actor::system();
        self.server.app.set_password(&system, email, password).await.expect("a password");
        let mut session = WebSession::new(&self.server).await;
        session.sign_in(email, password).await;
        session
    }

    /// Opens a ticket as `token`; returns its number.
    pub async fn open(&self, token: &str, changes: Value) -> i64 {
        created(self.server.post("/api/v1/tickets", token, self.ticket(changes)).await)
    }
}

/// The id of a 201 answer.
pub fn created(answer: Answer) -> i64 {
    assert_eq!(answer.status, StatusCode::CREATED, "{:?}", answer.body);
    answer.body["id"].as_i64().expect("an id")
}

/// Asserts a problem+json answer with the status, and a title and detail.
pub fn assert_problem(answer: &Answer, status: StatusCode) {
    assert_eq!(answer.status, status, "{:?}", answer.body);
    assert_eq!(answer.content_type, "application/problem+json", "{:?}", answer.body);
    assert!(answer.body["title"].as_str().is_some_and(|t| !t.is_empty()), "a title: {:?}", answer.body);
    assert!(answer.body["detail"].as_str().is_some_and(|t| !t.is_empty()), "a detail: {:?}", answer.body);
    assert_eq!(answer.body["status"], status.as_u16(), "{:?}", answer.body);
}

/// The `helpdesk` binary.
pub fn helpdesk() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_helpdesk"));
    isolated(&mut command);
    command
}

/// Leaves out of `command`'s environment what would point it at another database or configuration.
fn isolated(command: &mut std::process::Command) {
    command
        .env_remove("HELPDESK_DATABASE_URL")
        .env_remove("HELPDESK_DATA")
        .env_remove("HELPDESK_CONFIG")
        .env("HELPDESK_LOG", "warn");
}

/// What a finished command printed.
pub struct Output {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `helpdesk ARGS` to the end.
pub fn run_helpdesk(args: &[&str]) -> Output {
    let out = helpdesk().args(args).output().expect("the binary runs");
    Output {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `helpdesk serve` as a child process on a loopback port, stopped when dropped.
pub struct ServeProcess {
    child: std::process::Child,
    pub url: String,
    pub banner: Vec<String>,
}

impl ServeProcess {
    /// Starts `helpdesk serve --listen 127.0.0.1:0 ARGS` and reads its banner.
    pub fn start(args: &[String]) -> ServeProcess {
        ServeProcess::start_at("127.0.0.1:0", args)
    }

    /// Starts `helpdesk serve --listen LISTEN ARGS` and reads its banner.
    pub fn start_at(listen: &str, args: &[String]) -> ServeProcess {
        let mut command = helpdesk();
        command.args(["serve", "--listen", listen]).args(args).stderr(std::process::Stdio::inherit());
        ServeProcess::spawn(command)
    }

    /// Starts `helpdesk serve --listen 127.0.0.1:0 ARGS` as a service would be started with at
    /// most `open_files` open files (as soft and hard limit), its log written to `log`.
    pub fn start_with_open_files(open_files: u64, args: &[String], log: std::fs::File) -> ServeProcess {
        ServeProcess::start_under_ulimit(&format!("-n {open_files}"), args, log)
    }

    /// Starts `helpdesk serve` with a soft limit of `open_files` open files, the hard one as it is.
    pub fn start_with_soft_open_files(open_files: u64, args: &[String], log: std::fs::File) -> ServeProcess {
        ServeProcess::start_under_ulimit(&format!("-S -n {open_files}"), args, log)
    }

    fn start_under_ulimit(limit: &str, args: &[String], log: std::fs::File) -> ServeProcess {
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit {limit} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_helpdesk"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(log);
        isolated(&mut command);
        ServeProcess::spawn(command)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Spawns `command` (a `serve`) and reads its banner.
    fn spawn(mut command: std::process::Command) -> ServeProcess {
        use std::io::BufRead;
        // The test's own HTTP clients need the crypto provider, whichever test runs first.
        crypto();
        let mut child = command.stdout(std::process::Stdio::piped()).spawn().expect("serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("serve printed its address: {first:?}"))
            .to_owned();
        let mut banner = vec![first];
        // The hint about the first admin follows at once when there is no account.
        if banner[0].contains("listening") {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            banner.push(line);
        }
        ServeProcess { child, url, banner }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser's view of the pages without a browser: cookies kept, redirects not followed, and
/// the CSRF token every form of the pages carries.
pub struct WebSession {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

/// What a page answered.
#[derive(Debug)]
pub struct PageAnswer {
    pub status: StatusCode,
    pub html: String,
    pub location: Option<String>,
}

impl WebSession {
    /// A fresh browser that has opened the sign-in page (and so holds a CSRF cookie).
    pub async fn new(server: &TestServer) -> WebSession {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let mut session = WebSession { client, base: server.url.clone(), csrf: String::new() };
        let login = session.get("/login").await;
        session.csrf = csrf_of(&login.html).expect("the sign-in form carries a CSRF token");
        session
    }

    /// Signs in with a password through the sign-in form.
    pub async fn sign_in(&mut self, email: &str, password: &str) {
        let answer = self.post_form("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "signed in: {}", answer.html);
    }

    /// GETs a page.
    pub async fn get(&self, path: &str) -> PageAnswer {
        page_answer(self.client.get(format!("{}{path}", self.base)).send().await.expect("an answer")).await
    }

    /// POSTs a form with this session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> PageAnswer {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form_raw(path, &all).await
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> PageAnswer {
        let request = self.client.post(format!("{}{path}", self.base)).form(fields);
        page_answer(request.send().await.expect("an answer")).await
    }

    /// POSTs a multipart form with files (name, bytes), with this session's CSRF token unless `csrf` is false.
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, Vec<u8>)>,
        csrf: bool,
    ) -> PageAnswer {
        let mut form = reqwest::multipart::Form::new();
        if csrf {
            form = form.text("csrf", self.csrf.clone());
        }
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in files {
            form = form.part("attachments", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
        }
        let request = self.client.post(format!("{}{path}", self.base)).multipart(form);
        page_answer(request.send().await.expect("an answer")).await
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[at..].chars().take_while(|c| *c != '"').collect())
}

async fn page_answer(response: reqwest::Response) -> PageAnswer {
    let status = response.status();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    PageAnswer { status, html: response.text().await.expect("a body"), location }
}

/// Waits until `probe` gives a value, trying every 100 ms for at most `timeout`; fails the test
/// with `what` when it never does.
pub async fn eventually<T, F, Fut>(what: &str, timeout: std::time::Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "gave up after {timeout:?} waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A `helpdesk serve` process with its own database and an admin's token, on a loopback port
/// that stays its own when the process is killed and started again.
pub struct Node {
    pub db: TestDb,
    pub url: String,
    pub admin: String,
    listen: String,
    process: Option<ServeProcess>,
    client: reqwest::Client,
}

impl Node {
    /// A node on the engine under test, with an admin, started.
    pub async fn start() -> Node {
        crypto();
        let db = TestDb::under_test().await;
        let args = db.cli_args();
        let with = |extra: &[&str]| -> Vec<String> {
            extra.iter().map(|s| (*s).to_owned()).chain(args.iter().cloned()).collect()
        };
        let user =
            with(&["admin", "create-user", "--email", "admin@example.org", "--name", "Admin", "--role", "admin"]);
        let made = run_helpdesk(&user.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(made.ok, "{}", made.stderr);
        let token = with(&["admin", "create-token", "--email", "admin@example.org"]);
        let token = run_helpdesk(&token.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(token.ok, "{}", token.stderr);
        // A port of its own: bound, read and let go (no other test takes ports by number).
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
        let listen = format!("127.0.0.1:{port}");
        let mut node = Node {
            db,
            url: format!("http://{listen}"),
            admin: token.stdout.trim().to_owned(),
            listen,
            process: None,
            client: reqwest::Client::new(),
        };
        node.resume();
        node
    }

    /// Its data directory (its outbox and search index are there).
    pub fn data_dir(&self) -> std::path::PathBuf {
        let args = self.db.cli_args();
        let at = args.iter().position(|a| a == "--data").expect("a --data argument");
        std::path::PathBuf::from(&args[at + 1])
    }

    /// Starts the process again on the same address.
    pub fn resume(&mut self) {
        self.resume_with(&[]);
    }

    /// Starts the process again on the same address, with `extra` arguments to `serve`.
    pub fn resume_with(&mut self, extra: &[&str]) {
        let mut args = self.db.cli_args();
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let process = ServeProcess::start_at(&self.listen, &args);
        assert_eq!(process.url, self.url, "the node came back on its address");
        self.process = Some(process);
    }

    /// Kills the process, as a crash would.
    pub fn kill(&mut self) {
        self.process = None;
    }

    /// Calls the node's API as its admin.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.client.request(method, format!("{}{path}", self.url)).bearer_auth(&self.admin);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("the node answers")).await
    }

    /// GETs a path as the admin; the body of a 200, or `None`.
    pub async fn get_ok(&self, path: &str) -> Option<Value> {
        let answer = self.call(Method::GET, path, None).await;
        (answer.status == StatusCode::OK).then_some(answer.body)
    }

    /// The files of a ticket named `name`, each with the article it came with and its bytes.
    pub async fn files_named(&self, ticket: i64, name: &str) -> Vec<(Option<i64>, Vec<u8>)> {
        let listed = self.get_ok(&format!("/api/v1/tickets/{ticket}/attachments")).await.unwrap_or(Value::Null);
        let mut found = Vec::new();
        for file in listed.as_array().into_iter().flatten().filter(|f| f["filename"] == name) {
            let url = format!("{}/api/v1/tickets/{ticket}/attachments/{}", self.url, file["id"]);
            let answer = self.client.get(url).bearer_auth(&self.admin).send().await.expect("the node answers");
            assert_eq!(answer.status(), StatusCode::OK, "{name} downloads");
            found.push((file["article"].as_i64(), answer.bytes().await.expect("the bytes").to_vec()));
        }
        found
    }
}
